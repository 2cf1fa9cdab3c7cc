-- The operator's prune records; the sequencer reads them to anchor the chain.
REVOKE ALL ON public.ledger_prunes FROM PUBLIC, anon, authenticated, service_role, vault_ledger;
--> statement-breakpoint
GRANT SELECT ON public.ledger_prunes TO vault_ledger;
