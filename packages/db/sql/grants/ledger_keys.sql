-- Ledger key check values are written only through vault_register_keys (the API's login).
REVOKE ALL ON public.ledger_keys FROM PUBLIC, anon, authenticated, service_role, vault_ledger;
--> statement-breakpoint
GRANT INSERT, SELECT ON public.ledger_keys TO vault_ledger;
