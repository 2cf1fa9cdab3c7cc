-- The sequencer: seals and chains up to `batch` committed, unchained events in id order under the
-- first presented ledger key (the active one), after verifying the head it extends. One chain for
-- every process: the advisory lock lets one sequencer at a time work; it returns -1 when another
-- holds it. When the batch holds a change (any event but a read), it announces the position it chained up to on the
-- change feed's channel: this transaction is the sequencer's own, never a writer's.
-- Its two ledger statements are planned at each batch (EXECUTE), for the ledger's size now: a
-- session keeps a function's plans until an ANALYZE invalidates them, and plans made while the
-- ledger was nearly empty read it whole (docs/ARCHITECTURE.md, "The sequencer's plans").
CREATE OR REPLACE FUNCTION public.vault_chain_events(kids text, keys text, batch integer)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  sealing_kid text := pg_catalog.split_part(kids, ',', 1);
  sealing_key bytea;
  last_seq bigint;
  last_mac text;
  next_seal text;
  ids bigint[] := '{}';
  seqs bigint[] := '{}';
  seals text[] := '{}';
  macs text[] := '{}';
  changed boolean := false;
  pending public.connector_credential_events;
BEGIN
  IF NOT pg_catalog.pg_try_advisory_xact_lock(7368207346913720435) THEN
    RETURN -1;
  END IF;
  SELECT k.key INTO sealing_key FROM public.vault_ledger_keys(kids, keys) k WHERE k.kid = sealing_kid;
  SELECT h.seq, h.mac INTO last_seq, last_mac FROM public.vault_chain_head(kids, keys) h;
  FOR pending IN EXECUTE
    'SELECT * FROM public.connector_credential_events c
    WHERE c.chain_seq IS NULL ORDER BY c.id LIMIT $1' USING batch
  LOOP
    last_seq := last_seq + 1;
    next_seal := coalesce(pending.seal, public.vault_ledger_seal(pending, sealing_kid, sealing_key));
    last_mac := public.vault_ledger_link(last_mac, last_seq, next_seal, sealing_kid, sealing_key);
    ids := ids || pending.id;
    seqs := seqs || last_seq;
    seals := seals || next_seal;
    macs := macs || last_mac;
    changed := changed OR pending.action NOT IN ('read', 'integrity_failure');
  END LOOP;
  EXECUTE 'UPDATE public.connector_credential_events c
  SET seal = u.seal, chain_seq = u.seq, chain_mac = u.mac
  FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3),
    pg_catalog.unnest($4)) AS u(id, seq, seal, mac)
  WHERE c.id = u.id' USING ids, seqs, seals, macs;
  IF changed THEN
    PERFORM pg_catalog.pg_notify('connector_credential_events', last_seq::text);
  END IF;
  RETURN pg_catalog.cardinality(ids);
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_chain_events(text, text, integer) OWNER TO vault_ledger;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.vault_chain_events(text, text, integer) FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.vault_chain_events(text, text, integer) TO authenticator;
