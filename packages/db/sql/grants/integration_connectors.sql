-- Admins read their company's connectors (RLS); service_role creates them and bumps the version
-- counter and stage pointers; the ledger's recorder reads them to check an event's connector is
-- the caller's; the lifecycle jobs clear the pointers of purged versions.
REVOKE ALL ON public.integration_connectors FROM PUBLIC, anon, authenticated, service_role, vault_ledger, vault_lifecycle;
--> statement-breakpoint
GRANT SELECT ON public.integration_connectors TO authenticated;
--> statement-breakpoint
GRANT INSERT, SELECT, UPDATE ON public.integration_connectors TO service_role;
--> statement-breakpoint
GRANT SELECT ON public.integration_connectors TO vault_ledger;
--> statement-breakpoint
GRANT SELECT, UPDATE ON public.integration_connectors TO vault_lifecycle;
