CREATE TABLE "keyring_checks" (
	"kid" varchar(32) PRIMARY KEY NOT NULL,
	"check_value" varchar(64) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
