-- The change feed in chain order. A ledger id is drawn when an event is recorded, before its
-- transaction commits, so two changes can commit in the other order than their ids: a stream
-- that resumed after id n (Last-Event-ID) could miss a smaller id committed after n, or repeat
-- one. Chain positions are given by the sequencer to committed events, one batch at a time under
-- its lock, so a position is never visible before every smaller one: the stream now publishes
-- change events as they are chained, its ids are their positions, and a replay after position p
-- is exactly what followed p.
--
-- So the recorder sends no notification any more (as before migration 0009; the rotation
-- statement no longer pays for one per event, nor a writer lookup per destroy), and the
-- sequencer announces on the feed channel the position it chained up to, when the batch holds a
-- change. It returns -1 when another sequencer holds the chain (the caller may try again later).
CREATE OR REPLACE FUNCTION public.vault_record_event(company uuid, connector uuid,
  credential uuid, version integer, action text, actor uuid, request_id text, kid text,
  audit_key bytea) RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_variable
DECLARE
  n bigint := pg_catalog.nextval('public.connector_credential_events_id_seq');
  at timestamptz := pg_catalog.now();
BEGIN
  INSERT INTO public.connector_credential_events
    (id, company_id, connector_id, credential_id, version, action, actor, request_id, occurred_at, seal)
  VALUES (n, company, connector, credential, version, action, actor, request_id, at,
    public.vault_event_seal(n, company, connector, credential, version, action, actor, request_id, at, kid, audit_key));
  RETURN n;
END
$$;
--> statement-breakpoint
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
  changed boolean := false;
  pending record;
BEGIN
  IF NOT pg_catalog.pg_try_advisory_xact_lock(7368207346913720435) THEN
    RETURN -1;
  END IF;
  SELECT c.chain_seq, c.chain_mac INTO seq, mac FROM public.connector_credential_events c
  WHERE c.chain_seq IS NOT NULL ORDER BY c.chain_seq DESC LIMIT 1;
  seq := coalesce(seq, 0);
  mac := coalesce(mac, '');
  -- Each MAC covers the previous MAC, the event's position and its seal.
  FOR pending IN
    SELECT c.id, c.seal, c.action FROM public.connector_credential_events c
    WHERE c.chain_seq IS NULL ORDER BY c.id LIMIT batch
  LOOP
    seq := seq + 1;
    mac := prefix || pg_catalog.encode(public.vault_hmac(pg_catalog.convert_to(
      mac || '|' || seq || '|' || pending.seal, 'UTF8'), key, 'sha256'), 'hex');
    ids := ids || pending.id;
    seqs := seqs || seq;
    macs := macs || mac;
    changed := changed OR pending.action IN ('rotate', 'rollback', 'destroy', 'reencrypt');
  END LOOP;
  UPDATE public.connector_credential_events c SET chain_seq = u.seq, chain_mac = u.mac
  FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(seqs), pg_catalog.unnest(macs))
    AS u(id, seq, mac)
  WHERE c.id = u.id;
  -- Delivered at commit: every listener then finds the batch chained.
  IF changed THEN
    PERFORM pg_catalog.pg_notify('connector_credential_events', seq::text);
  END IF;
  RETURN pg_catalog.cardinality(ids);
END
$$;
