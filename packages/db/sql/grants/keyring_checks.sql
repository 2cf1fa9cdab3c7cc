-- Key check values are written only through vault_register_keys (the API's login).
REVOKE ALL ON public.keyring_checks FROM PUBLIC, anon, authenticated, service_role, vault_ledger;
--> statement-breakpoint
GRANT INSERT, SELECT ON public.keyring_checks TO vault_ledger;
