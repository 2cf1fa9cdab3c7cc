-- Only service_role, through the request-door functions, reaches Idempotency-Keys.
REVOKE ALL ON public.idempotency_keys FROM PUBLIC, anon, authenticated, service_role, vault_ledger;
--> statement-breakpoint
GRANT DELETE, INSERT, SELECT ON public.idempotency_keys TO service_role;
