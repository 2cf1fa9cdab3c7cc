CREATE TABLE "ledger_keys" (
	"kid" varchar(32) PRIMARY KEY NOT NULL,
	"check_value" varchar(64) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_prunes" (
	"through_seq" bigint PRIMARY KEY NOT NULL,
	"chain_mac" varchar(128) NOT NULL,
	"pruned_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "idempotency_keys" DROP CONSTRAINT "idempotency_keys_company_id_key_pk";--> statement-breakpoint
ALTER TABLE "connector_credential_events" ALTER COLUMN "seal" DROP NOT NULL;--> statement-breakpoint
-- Keys live 24 h and were scoped to the company alone: they cannot be kept under a caller.
DELETE FROM "idempotency_keys";--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "actor" uuid NOT NULL;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_company_id_actor_key_pk" PRIMARY KEY("company_id","actor","key");--> statement-breakpoint
CREATE INDEX "idx_connector_credential_events_company_changes" ON "connector_credential_events" USING btree ("company_id","chain_seq") WHERE "connector_credential_events"."action" in ('rotate', 'rollback', 'destroy', 'reencrypt');--> statement-breakpoint
DROP POLICY "Audit events recorded for admins" ON "connector_credential_events" CASCADE;--> statement-breakpoint
CREATE POLICY "Audit events written by the ledger" ON "connector_credential_events" AS PERMISSIVE FOR ALL TO "vault_ledger" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "Connectors visible to the ledger recorder" ON "integration_connectors" AS PERMISSIVE FOR SELECT TO "vault_ledger" USING (true);