CREATE TABLE "companies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connector_credentials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" uuid NOT NULL,
	"connector_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"secret_ciphertext" "bytea" NOT NULL,
	"checksum" varchar(128) NOT NULL,
	"rotated_at" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
	"rotated_by" uuid,
	CONSTRAINT "connector_credentials_connector_id_version_key" UNIQUE("connector_id","version"),
	CONSTRAINT "connector_credentials_version_check" CHECK ("connector_credentials"."version" >= 1)
);
--> statement-breakpoint
ALTER TABLE "connector_credentials" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "integration_connectors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" uuid NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"provider" text DEFAULT '' NOT NULL,
	"last_credential_version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integration_connectors_id_company_id_key" UNIQUE("id","company_id")
);
--> statement-breakpoint
ALTER TABLE "integration_connectors" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" uuid NOT NULL,
	"email" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "connector_credentials" ADD CONSTRAINT "connector_credentials_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_credentials" ADD CONSTRAINT "connector_credentials_connector_id_integration_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."integration_connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_credentials" ADD CONSTRAINT "connector_credentials_rotated_by_users_id_fk" FOREIGN KEY ("rotated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_credentials" ADD CONSTRAINT "connector_credentials_connector_company_fkey" FOREIGN KEY ("connector_id","company_id") REFERENCES "public"."integration_connectors"("id","company_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integration_connectors" ADD CONSTRAINT "integration_connectors_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_connector_credentials_company_id" ON "connector_credentials" USING btree ("company_id");--> statement-breakpoint
CREATE POLICY "Connector credentials managed by admins" ON "connector_credentials" AS PERMISSIVE FOR ALL TO public USING (company_id = (select public.current_company_id()) AND (select public.has_role('Vibot.admin'))) WITH CHECK (company_id = (select public.current_company_id()) AND (select public.has_role('Vibot.admin')));--> statement-breakpoint
CREATE POLICY "Connectors visible to their company" ON "integration_connectors" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("integration_connectors"."company_id" = (select public.current_company_id()));