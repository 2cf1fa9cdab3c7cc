-- The ledger written only by its own role (docs/SECURITY.md, rules: "The ledger").
--
-- Before this migration any admin could INSERT event rows with every column chosen (id, chain
-- position, MAC), and any service_role session could chain events under a key of its choosing.
-- Now:
-- * the recorder (vault_record_event) is the only way an API role writes an event: security
--   definer, owned by vault_ledger; it takes the id from the sequence, the company and actor from
--   the request's claims, checks the connector is the company's, and leaves seal and chain empty;
-- * the sequencer (vault_chain_events) seals and chains committed events under the ledger key,
--   only after checking that key against its registered check value and verifying the chain head
--   it extends; only the API's login (authenticator) may call it, not service_role;
-- * key check values are registered only through vault_register_keys, by the API's login;
-- * the ledger has keys of its own, which data-key rotation never touches: events sealed before a
--   data-key rotation still verify after the old data key is retired.

REVOKE INSERT ON public.connector_credential_events FROM authenticated, service_role;
--> statement-breakpoint
REVOKE USAGE ON SEQUENCE public.connector_credential_events_id_seq FROM authenticated, service_role;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO vault_ledger;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON public.connector_credential_events TO vault_ledger;
--> statement-breakpoint
GRANT USAGE ON SEQUENCE public.connector_credential_events_id_seq TO vault_ledger;
--> statement-breakpoint
GRANT SELECT ON public.integration_connectors TO vault_ledger;
--> statement-breakpoint
REVOKE ALL ON public.keyring_checks, public.ledger_keys, public.ledger_prunes
  FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
GRANT SELECT, INSERT ON public.keyring_checks, public.ledger_keys TO vault_ledger;
--> statement-breakpoint
GRANT SELECT ON public.ledger_prunes TO vault_ledger;
--> statement-breakpoint
-- Append-only for everyone, owner included: the one update allowed is the sequencer's, which sets
-- an event's seal (when it has none) and chain position once and changes nothing else.
CREATE OR REPLACE FUNCTION public.connector_credential_events_append_only() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
     AND (OLD.seal IS NULL OR NEW.seal = OLD.seal)
     AND (NEW.id, NEW.company_id, NEW.connector_id, NEW.credential_id, NEW.version, NEW.action,
          NEW.actor, NEW.request_id, NEW.occurred_at)
     IS NOT DISTINCT FROM (OLD.id, OLD.company_id, OLD.connector_id, OLD.credential_id, OLD.version,
          OLD.action, OLD.actor, OLD.request_id, OLD.occurred_at) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
-- Appends one event, unsealed and unchained; returns its id. The one INSERT into the ledger.
-- Executable only by its owner (the recorder below) and the operator (reencrypt), never by the
-- API's roles, since it takes the company and actor as arguments.
CREATE OR REPLACE FUNCTION public.vault_append_event(company uuid, connector uuid,
  credential uuid, version integer, action text, actor uuid, request_id text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = ''
AS $$
#variable_conflict use_variable
DECLARE
  n bigint;
BEGIN
  INSERT INTO public.connector_credential_events
    (company_id, connector_id, credential_id, version, action, actor, request_id)
  VALUES (company, connector, credential, version, action, actor, request_id)
  RETURNING id INTO n;
  RETURN n;
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_append_event(uuid, uuid, uuid, integer, text, uuid, text) OWNER TO vault_ledger;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.vault_append_event(uuid, uuid, uuid, integer, text, uuid, text) FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
-- The recorder: records one event of the caller's request in the caller's transaction and
-- returns its id. The company and actor come from the request's claims (an admin's, as the seed's
-- policy requires), the connector must be that company's, and the event is left for the
-- sequencer to seal and chain. Called by the request-door functions (as authenticated or
-- service_role); an admin calling it directly can only add events about its own company's
-- connectors, attributed to itself.
CREATE OR REPLACE FUNCTION public.vault_record_event(connector uuid, credential uuid,
  version integer, action text, request_id text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = ''
AS $$
#variable_conflict use_variable
DECLARE
  company uuid := public.current_company_id();
  sub text := public.request_jwt_claims() ->> 'sub';
BEGIN
  IF company IS NULL OR NOT public.has_role('Vibot.admin') OR NOT EXISTS (
    SELECT 1 FROM public.integration_connectors ic
    WHERE ic.id = connector AND ic.company_id = company
  ) THEN
    RAISE EXCEPTION 'events are recorded only for an admin''s own connectors'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN public.vault_append_event(company, connector, credential, version, action,
    CASE WHEN sub ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN sub::uuid END,
    request_id);
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_record_event(uuid, uuid, integer, text, text) OWNER TO vault_ledger;
--> statement-breakpoint
DROP FUNCTION IF EXISTS public.vault_record_event(uuid, uuid, uuid, integer, text, uuid, text, text, bytea);
--> statement-breakpoint
-- seal = ledger-v2:<kid>:<hex>, an HMAC under the ledger key over every field of the event with a
-- domain prefix; absent fields are '-', the request id hex-encoded (it is client-chosen text).
CREATE OR REPLACE FUNCTION public.vault_ledger_seal(e public.connector_credential_events,
  kid text, key bytea) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT 'ledger-v2:' || kid || ':' || encode(public.vault_hmac(convert_to(concat_ws('|',
    'vibot.connector_credential_events.seal.v2', e.id, e.company_id,
    coalesce(e.connector_id::text, '-'), coalesce(e.credential_id::text, '-'),
    coalesce(e.version::text, '-'), e.action, coalesce(e.actor::text, '-'),
    encode(convert_to(coalesce(e.request_id, ''), 'UTF8'), 'hex'),
    (extract(epoch from e.occurred_at) * 1000000)::bigint), 'UTF8'), key, 'sha256'), 'hex')
$$;
--> statement-breakpoint
-- chain MAC = ledger-v2:<kid>:<hex> over the previous chain MAC, the position and the seal.
CREATE OR REPLACE FUNCTION public.vault_ledger_link(prev_mac text, seq bigint, seal text,
  kid text, key bytea) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT 'ledger-v2:' || kid || ':' || encode(public.vault_hmac(convert_to(
    coalesce(prev_mac, '') || '|' || seq || '|' || seal, 'UTF8'), key, 'sha256'), 'hex')
$$;
--> statement-breakpoint
-- The ledger keys a caller presents (parallel comma-separated kids and hex keys), each checked
-- against its registered check value: a key that is not registered, or differs, is refused.
CREATE OR REPLACE FUNCTION public.vault_ledger_keys(kids text, keys text)
RETURNS TABLE (kid text, key bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
#variable_conflict use_column
DECLARE
  k record;
BEGIN
  FOR k IN
    SELECT u.kid, pg_catalog.decode(u.key, 'hex') AS key
    FROM ROWS FROM (pg_catalog.unnest(pg_catalog.string_to_array(kids, ',')),
      pg_catalog.unnest(pg_catalog.string_to_array(keys, ','))) AS u(kid, key)
  LOOP
    IF NOT EXISTS (SELECT 1 FROM public.ledger_keys l WHERE l.kid = k.kid
      AND l.check_value = pg_catalog.encode(public.vault_hmac(
        pg_catalog.convert_to('vibot.ledger.key-check.v1', 'UTF8'), k.key, 'sha256'), 'hex')) THEN
      RAISE EXCEPTION 'ledger key % is not the registered one', k.kid
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    kid := k.kid;
    key := k.key;
    RETURN NEXT;
  END LOOP;
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_ledger_keys(text, text) OWNER TO vault_ledger;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.vault_ledger_keys(text, text) FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
-- The last chained position and its MAC, verified under the presented ledger keys before anyone
-- trusts them: the head's seal over its fields, and its link from the MAC before it (the previous
-- position's, a prune's, or none at position 1). Position 0 and '' when nothing is chained yet. A
-- head sealed before migration 0020 (under a data key) is taken as it is: the ledger key cannot
-- check it, and `pnpm verify-integrity` does with the data keyring. A head that does not verify
-- (only a superuser could have made one) stops the chain until an operator restores or prunes it.
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
  SELECT * INTO head FROM public.connector_credential_events c
  WHERE c.chain_seq IS NOT NULL ORDER BY c.chain_seq DESC LIMIT 1;
  IF NOT FOUND THEN
    -- Nothing chained: start at position 1, or after the last prune if it took every event.
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
  SELECT c.chain_mac INTO prev FROM public.connector_credential_events c
  WHERE c.chain_seq = head.chain_seq - 1;
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
--> statement-breakpoint
-- The sequencer: seals and chains up to `batch` committed, unchained events in id order under the
-- first presented ledger key (the active one), after verifying the head it extends. One chain for
-- every process: the advisory lock lets one sequencer at a time work; it returns -1 when another
-- holds it. When the batch holds a change, it announces the position it chained up to on the
-- change feed's channel: this transaction is the sequencer's own, never a writer's.
DROP FUNCTION IF EXISTS public.vault_chain_events(text, text, integer);
--> statement-breakpoint
CREATE FUNCTION public.vault_chain_events(kids text, keys text, batch integer)
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
  FOR pending IN
    SELECT * FROM public.connector_credential_events c
    WHERE c.chain_seq IS NULL ORDER BY c.id LIMIT batch
  LOOP
    last_seq := last_seq + 1;
    next_seal := coalesce(pending.seal, public.vault_ledger_seal(pending, sealing_kid, sealing_key));
    last_mac := public.vault_ledger_link(last_mac, last_seq, next_seal, sealing_kid, sealing_key);
    ids := ids || pending.id;
    seqs := seqs || last_seq;
    seals := seals || next_seal;
    macs := macs || last_mac;
    changed := changed OR pending.action IN ('rotate', 'rollback', 'destroy', 'reencrypt');
  END LOOP;
  UPDATE public.connector_credential_events c
  SET seal = u.seal, chain_seq = u.seq, chain_mac = u.mac
  FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(seqs), pg_catalog.unnest(seals),
    pg_catalog.unnest(macs)) AS u(id, seq, seal, mac)
  WHERE c.id = u.id;
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
--> statement-breakpoint
-- Registers the check values of keys not seen before (data kids in keyring_checks, ledger kids in
-- ledger_keys) and returns the stored value of every kid asked about; the caller refuses to start
-- when one differs from its own. Only the API's login may call it (not service_role, whose holders
-- hold no keys and so could only register a wrong value to block a kid before it is deployed).
CREATE OR REPLACE FUNCTION public.vault_register_keys(data_checks jsonb, ledger_checks jsonb)
RETURNS TABLE (kind text, kid text, check_value text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $$
#variable_conflict use_column
BEGIN
  INSERT INTO public.keyring_checks (kid, check_value)
  SELECT k.kid, k.check_value
  FROM pg_catalog.jsonb_to_recordset(data_checks) AS k(kid text, check_value text)
  ON CONFLICT DO NOTHING;
  INSERT INTO public.ledger_keys (kid, check_value)
  SELECT k.kid, k.check_value
  FROM pg_catalog.jsonb_to_recordset(ledger_checks) AS k(kid text, check_value text)
  ON CONFLICT DO NOTHING;
  RETURN QUERY
    SELECT 'data', c.kid::text, c.check_value::text FROM public.keyring_checks c
    WHERE c.kid IN (SELECT k.kid FROM pg_catalog.jsonb_to_recordset(data_checks) AS k(kid text))
    UNION ALL
    SELECT 'ledger', l.kid::text, l.check_value::text FROM public.ledger_keys l
    WHERE l.kid IN (SELECT k.kid FROM pg_catalog.jsonb_to_recordset(ledger_checks) AS k(kid text));
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_register_keys(jsonb, jsonb) OWNER TO vault_ledger;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.vault_register_keys(jsonb, jsonb) FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.vault_register_keys(jsonb, jsonb) TO authenticator;
--> statement-breakpoint
-- When and by whom a version was written: its rotate or rollback event, of the same company (an
-- event about another company's credential id never speaks for it).
DROP FUNCTION IF EXISTS public.vault_version_written(uuid);
--> statement-breakpoint
CREATE FUNCTION public.vault_version_written(company uuid, credential uuid)
RETURNS TABLE (occurred_at timestamptz, actor uuid)
LANGUAGE sql STABLE
AS $$
  SELECT e.occurred_at, e.actor FROM public.connector_credential_events e
  WHERE e.credential_id = credential AND e.company_id = company
    AND e.action IN ('rotate', 'rollback')
  ORDER BY e.id LIMIT 1
$$;
--> statement-breakpoint
-- The request door's read (as before, migration 0008) with its event recorded by the recorder:
-- no audit key and no actor argument any more.
DROP FUNCTION IF EXISTS public.vault_read_credentials(text[], uuid[], integer[], text, text, text, text, text, uuid[], text[], boolean);
--> statement-breakpoint
DROP FUNCTION IF EXISTS public.vault_read_credential(text, uuid, integer, text, text, text, text, text, uuid, text, boolean);
--> statement-breakpoint
CREATE FUNCTION public.vault_read_credential(claims text, connector uuid, wanted integer,
  kids text, enc_keys text, mac_keys text, request_id text, audit_reads boolean)
RETURNS TABLE (id uuid, company_id uuid, connector_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, secret_json text, connector_found boolean,
  failure text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  r public.connector_credentials;
BEGIN
  PERFORM public.vault_enter(claims, 'authenticated');
  IF wanted IS NULL THEN
    -- RLS (the seed's policy) keeps the read inside the caller's company.
    SELECT c.* INTO r FROM public.connector_credentials c
    WHERE c.connector_id = connector ORDER BY c.version DESC LIMIT 1;
  ELSE
    SELECT c.* INTO r FROM public.connector_credentials c
    WHERE c.connector_id = connector AND c.version = wanted;
  END IF;
  IF NOT FOUND THEN
    -- RLS ("Connectors visible to their company") hides another company's connector.
    connector_found := EXISTS (SELECT 1 FROM public.integration_connectors ic WHERE ic.id = connector);
    RETURN NEXT;
    RETURN;
  END IF;
  id := r.id; company_id := r.company_id; connector_id := r.connector_id; version := r.version;
  rotated_at := r.rotated_at; rotated_by := r.rotated_by; connector_found := true;
  SELECT o.secret_json, o.failure INTO secret_json, failure
  FROM public.vault_open(r, kids, enc_keys, mac_keys) o;
  IF failure IS NOT NULL OR audit_reads THEN
    PERFORM public.vault_record_event(r.connector_id, r.id, r.version,
      CASE WHEN failure IS NULL THEN 'read' ELSE 'integrity_failure' END, request_id);
  END IF;
  RETURN NEXT;
END
$$;
--> statement-breakpoint
-- Audited reads of one moment in one statement (as before, migration 0017).
CREATE FUNCTION public.vault_read_credentials(claims text[], connectors uuid[],
  wanted integer[], kids text, enc_keys text, mac_keys text, request_ids text[],
  audit_reads boolean)
RETURNS TABLE (ordinal integer, id uuid, company_id uuid, connector_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, secret_json text, connector_found boolean,
  failure text)
LANGUAGE plpgsql
AS $$
BEGIN
  IF NOT pg_catalog.pg_has_role(current_user, 'authenticator', 'MEMBER') THEN
    RAISE EXCEPTION 'only the request door reads in batches' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF pg_catalog.cardinality(claims) <> pg_catalog.cardinality(connectors)
     OR pg_catalog.cardinality(wanted) <> pg_catalog.cardinality(connectors)
     OR pg_catalog.cardinality(request_ids) <> pg_catalog.cardinality(connectors) THEN
    RAISE EXCEPTION 'one claim, connector, version and request id per read'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR i IN 1 .. pg_catalog.cardinality(connectors) LOOP
    RETURN QUERY SELECT i, r.id, r.company_id, r.connector_id, r.version, r.rotated_at,
      r.rotated_by, r.secret_json, r.connector_found, r.failure
      FROM public.vault_read_credential(claims[i], connectors[i], wanted[i], kids, enc_keys,
        mac_keys, request_ids[i], audit_reads) r;
    PERFORM pg_catalog.set_config('role', 'none', true),
      pg_catalog.set_config('request.jwt.claims', '', true);
  END LOOP;
END
$$;
--> statement-breakpoint
-- The request door's write (as before, migration 0008) with its events recorded by the recorder.
DROP FUNCTION IF EXISTS public.vault_write_version(text, uuid, text, integer, integer, uuid, integer, text, text, text, text, text, text, boolean);
--> statement-breakpoint
CREATE FUNCTION public.vault_write_version(claims text, connector uuid,
  secret_json text, source_version integer, expected integer, actor uuid, max_versions integer,
  active_kid text, kids text, enc_keys text, mac_keys text, request_id text, audit_reads boolean)
RETURNS TABLE (id uuid, company_id uuid, connector_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, current_version integer, outcome text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  kid_list text[] := pg_catalog.string_to_array(kids, ',');
  enc_list text[] := pg_catalog.string_to_array(enc_keys, ',');
  mac_list text[] := pg_catalog.string_to_array(mac_keys, ',');
  company uuid;
  src public.connector_credentials;
  written public.connector_credentials;
  pruned record;
  plaintext text := secret_json;
  next_version integer;
  ciphertext bytea;
  i integer;
BEGIN
  PERFORM public.vault_enter(claims, 'service_role');
  -- Load-bearing for isolation: service_role bypasses RLS; this keeps the lock, and so the
  -- write, on the caller's own connector (tested: cross-company 404 on every route).
  SELECT ic.company_id INTO company FROM public.integration_connectors ic
  WHERE ic.id = connector AND ic.company_id = (SELECT public.current_company_id())
  FOR UPDATE;
  IF NOT FOUND THEN
    outcome := 'connector_not_found';
    RETURN NEXT;
    RETURN;
  END IF;
  IF source_version IS NOT NULL THEN
    SELECT c.* INTO src FROM public.connector_credentials c
    WHERE c.connector_id = connector AND c.version = source_version AND c.company_id = company;
    IF NOT FOUND THEN
      outcome := 'version_not_found';
      RETURN NEXT;
      RETURN;
    END IF;
    SELECT o.secret_json, o.failure INTO plaintext, outcome
    FROM public.vault_open(src, kids, enc_keys, mac_keys) o;
    PERFORM public.vault_record_event(connector, src.id, src.version,
      CASE WHEN outcome IS NULL THEN 'read' ELSE 'integrity_failure' END, request_id)
    WHERE outcome IS NOT NULL OR audit_reads;
    IF outcome IS NOT NULL THEN
      RETURN NEXT;
      RETURN;
    END IF;
  END IF;
  SELECT max(c.version) INTO current_version FROM public.connector_credentials c
  WHERE c.connector_id = connector;
  IF expected IS NOT NULL AND coalesce(current_version, 0) <> expected THEN
    outcome := 'version_conflict';
    RETURN NEXT;
    RETURN;
  END IF;
  UPDATE public.integration_connectors ic SET last_credential_version = ic.last_credential_version + 1
  WHERE ic.id = connector RETURNING ic.last_credential_version INTO next_version;
  i := pg_catalog.array_position(kid_list, active_kid);
  ciphertext := public.vault_encrypt(plaintext, enc_list[i]);
  INSERT INTO public.connector_credentials AS c
    (company_id, connector_id, version, secret_ciphertext, checksum, rotated_by)
  VALUES (company, connector, next_version, ciphertext,
    public.vault_checksum(company, connector, next_version, active_kid, ciphertext, pg_catalog.decode(mac_list[i], 'hex')),
    actor)
  RETURNING c.* INTO written;
  PERFORM public.vault_record_event(connector, written.id, written.version,
    CASE WHEN source_version IS NULL THEN 'rotate' ELSE 'rollback' END, request_id);
  FOR pruned IN
    DELETE FROM public.connector_credentials c
    WHERE c.connector_id = connector AND c.version <= (
      SELECT k.version FROM public.connector_credentials k WHERE k.connector_id = connector
      ORDER BY k.version DESC OFFSET max_versions LIMIT 1)
    RETURNING c.id, c.version
  LOOP
    PERFORM public.vault_record_event(connector, pruned.id, pruned.version, 'destroy', request_id);
  END LOOP;
  id := written.id; company_id := written.company_id; connector_id := written.connector_id;
  version := written.version; rotated_at := written.rotated_at; rotated_by := written.rotated_by;
  outcome := 'written';
  RETURN NEXT;
END
$$;
--> statement-breakpoint
-- Idempotency keys belong to a caller (company and sub), and are answered only to a caller who
-- may still make the request: an admin of the company whose sub is one of its users.
DROP FUNCTION IF EXISTS public.vault_recall_request(text, text);
--> statement-breakpoint
CREATE FUNCTION public.vault_recall_request(claims text, idempotency_key text)
RETURNS TABLE (request_digest text, result jsonb)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  company uuid;
  sub text;
BEGIN
  PERFORM public.vault_enter(claims, 'service_role');
  company := public.current_company_id();
  sub := public.request_jwt_claims() ->> 'sub';
  IF company IS NULL OR NOT public.has_role('Vibot.admin')
     OR sub !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
     OR NOT EXISTS (SELECT 1 FROM public.users u WHERE u.id = sub::uuid AND u.company_id = company) THEN
    RETURN;
  END IF;
  -- Load-bearing for isolation (service_role bypasses RLS): only the caller's own keys.
  DELETE FROM public.idempotency_keys k
  WHERE k.company_id = company AND k.actor = sub::uuid AND k.key = idempotency_key
    AND k.created_at <= pg_catalog.now() - interval '24 hours';
  RETURN QUERY SELECT k.request_digest::text, k.result FROM public.idempotency_keys k
  WHERE k.company_id = company AND k.actor = sub::uuid AND k.key = idempotency_key;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.vault_remember_request(claims text, idempotency_key text,
  digest text, result jsonb)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
  company uuid;
  sub text;
BEGIN
  PERFORM public.vault_enter(claims, 'service_role');
  company := public.current_company_id();
  sub := public.request_jwt_claims() ->> 'sub';
  IF company IS NULL OR sub IS NULL
     OR sub !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
    RAISE EXCEPTION 'no company or subject claim' USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO public.idempotency_keys (company_id, actor, key, request_digest, result)
  VALUES (company, sub::uuid, idempotency_key, digest, result);
  DELETE FROM public.idempotency_keys k
  WHERE k.company_id = company AND k.created_at <= pg_catalog.now() - interval '24 hours';
  RETURN true;
END
$$;
