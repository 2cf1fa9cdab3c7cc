-- The seed's rule: authenticated may read (RLS limits it to its company's admins); only
-- service_role writes, behind the guard; the purge job's role deletes (the guard lets it do
-- nothing else).
REVOKE ALL ON public.connector_credentials FROM PUBLIC, anon, authenticated, service_role, vault_ledger, vault_lifecycle;
--> statement-breakpoint
GRANT SELECT ON public.connector_credentials TO authenticated;
--> statement-breakpoint
GRANT DELETE, INSERT, SELECT, UPDATE ON public.connector_credentials TO service_role;
--> statement-breakpoint
GRANT DELETE, SELECT ON public.connector_credentials TO vault_lifecycle;
