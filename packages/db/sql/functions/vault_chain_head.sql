-- The last chained position and its MAC, verified under the presented ledger keys before anyone
-- trusts them: the head's seal over its fields, and its link from the MAC before it (the previous
-- position's, a prune's, or none at position 1). Position 0 and '' when nothing is chained yet. A
-- head sealed under a data key (before the ledger had keys of its own) is taken as it is: the
-- ledger key cannot check it, and `pnpm verify-integrity` does with the data keyring. A head that
-- does not verify (only a superuser could have made one) stops the chain until an operator
-- restores or prunes it. The head and the position before it are found by statements planned at
-- each call (EXECUTE), for the ledger's size now (docs/ARCHITECTURE.md, "The sequencer's plans").
CREATE OR REPLACE FUNCTION public.vault_chain_head(kids text, keys text, OUT seq bigint,
  OUT mac text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  head public.connector_credential_events;
  prev text;
  head_key bytea;
  head_kid text;
BEGIN
  EXECUTE 'SELECT * FROM public.connector_credential_events c
  WHERE c.chain_seq IS NOT NULL ORDER BY c.chain_seq DESC LIMIT 1' INTO head;
  IF head.id IS NULL THEN
    -- Nothing chained (EXECUTE leaves FOUND as it was): start at position 1, or after the last prune if it took every event.
    SELECT p.through_seq, p.chain_mac INTO seq, mac FROM public.ledger_prunes p
    ORDER BY p.through_seq DESC LIMIT 1;
    seq := coalesce(seq, 0);
    mac := coalesce(mac, '');
    RETURN;
  END IF;
  seq := head.chain_seq;
  mac := head.chain_mac;
  IF pg_catalog.split_part(head.chain_mac, ':', 1) <> 'ledger-v2' AND NOT EXISTS (
    SELECT 1 FROM public.connector_credential_events c
    WHERE c.chain_seq IS NOT NULL AND c.chain_mac LIKE 'ledger-v2:%') THEN
    RETURN;
  END IF;
  head_kid := pg_catalog.split_part(head.chain_mac, ':', 2);
  SELECT k.key INTO head_key FROM public.vault_ledger_keys(kids, keys) k WHERE k.kid = head_kid;
  EXECUTE 'SELECT c.chain_mac FROM public.connector_credential_events c WHERE c.chain_seq = $1'
    INTO prev USING head.chain_seq - 1;
  IF prev IS NULL THEN
    SELECT p.chain_mac INTO prev FROM public.ledger_prunes p WHERE p.through_seq = head.chain_seq - 1;
  END IF;
  IF prev IS NULL AND head.chain_seq = 1 THEN
    prev := '';
  END IF;
  IF head_key IS NULL OR prev IS NULL
     OR head.seal IS DISTINCT FROM public.vault_ledger_seal(head, head_kid, head_key)
     OR head.chain_mac IS DISTINCT FROM public.vault_ledger_link(prev, head.chain_seq, head.seal, head_kid, head_key) THEN
    RAISE EXCEPTION 'the ledger chain head at position % does not verify', head.chain_seq
      USING ERRCODE = 'data_corrupted';
  END IF;
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_chain_head(text, text) OWNER TO vault_ledger;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.vault_chain_head(text, text) FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.vault_chain_head(text, text) TO authenticator;
