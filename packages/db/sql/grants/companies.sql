-- Tenants: service_role reads them (the guard's company check); nobody else.
REVOKE ALL ON public.companies FROM PUBLIC, anon, authenticated, service_role, vault_ledger;
--> statement-breakpoint
GRANT SELECT ON public.companies TO service_role;
