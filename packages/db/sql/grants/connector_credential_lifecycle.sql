-- Admins read their company's lifecycle rows (RLS); service_role writes them through the request
-- door's functions (vault_write_version, vault_delete_versions, vault_restore); the lifecycle jobs
-- mark reminders and purge.
REVOKE ALL ON public.connector_credential_lifecycle FROM PUBLIC, anon, authenticated, service_role, vault_ledger, vault_lifecycle;
--> statement-breakpoint
GRANT SELECT ON public.connector_credential_lifecycle TO authenticated;
--> statement-breakpoint
GRANT DELETE, INSERT, SELECT, UPDATE ON public.connector_credential_lifecycle TO service_role;
--> statement-breakpoint
GRANT DELETE, SELECT, UPDATE ON public.connector_credential_lifecycle TO vault_lifecycle;
