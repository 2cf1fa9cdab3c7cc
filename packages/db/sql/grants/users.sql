-- service_role reads users (the guard's check that a token's sub is a user of its company).
REVOKE ALL ON public.users FROM PUBLIC, anon, authenticated, service_role, vault_ledger;
--> statement-breakpoint
GRANT SELECT ON public.users TO service_role;
