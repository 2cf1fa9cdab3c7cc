-- Admins read their company's events (RLS); only the ledger's own role writes them, through the
-- recorder and the sequencer (functions/vault_record_event.sql, vault_chain_events.sql).
REVOKE ALL ON public.connector_credential_events FROM PUBLIC, anon, authenticated, service_role, vault_ledger;
--> statement-breakpoint
GRANT SELECT ON public.connector_credential_events TO authenticated;
--> statement-breakpoint
GRANT SELECT ON public.connector_credential_events TO service_role;
--> statement-breakpoint
GRANT INSERT, SELECT, UPDATE ON public.connector_credential_events TO vault_ledger;
