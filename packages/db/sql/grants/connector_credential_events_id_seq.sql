-- Event ids come from the sequence through the recorder only.
REVOKE ALL ON SEQUENCE public.connector_credential_events_id_seq FROM PUBLIC, anon, authenticated, service_role, vault_ledger;
--> statement-breakpoint
GRANT USAGE ON SEQUENCE public.connector_credential_events_id_seq TO vault_ledger;
