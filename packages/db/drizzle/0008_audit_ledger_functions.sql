-- The audit ledger's rules (the table is migration 0007): forced RLS, grants that make it
-- append-only for the API's roles, the seal, the recorder, the sequencer that chains committed
-- events, and the request door's read and write functions, which record their events in the
-- same transaction as the work (SPEC §10).
ALTER TABLE public.connector_credential_events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE ALL ON public.connector_credential_events FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
-- INSERT and SELECT only: nobody may UPDATE or DELETE events through the API's roles.
GRANT SELECT, INSERT ON public.connector_credential_events TO authenticated, service_role;
--> statement-breakpoint
GRANT USAGE ON SEQUENCE public.connector_credential_events_id_seq TO authenticated, service_role;
--> statement-breakpoint
-- Append-only for everyone, owner included: the one update allowed is the sequencer's, which sets
-- an event's chain position once and changes nothing else. Deletes come only from a company's
-- deletion (cascade) and the operator's documented prune.
CREATE OR REPLACE FUNCTION public.connector_credential_events_append_only() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
     AND (NEW.id, NEW.company_id, NEW.connector_id, NEW.credential_id, NEW.version, NEW.action,
          NEW.actor, NEW.request_id, NEW.occurred_at, NEW.seal)
     IS NOT DISTINCT FROM (OLD.id, OLD.company_id, OLD.connector_id, OLD.credential_id, OLD.version,
          OLD.action, OLD.actor, OLD.request_id, OLD.occurred_at, OLD.seal) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER connector_credential_events_append_only
  BEFORE UPDATE ON public.connector_credential_events
  FOR EACH ROW EXECUTE FUNCTION public.connector_credential_events_append_only();
--> statement-breakpoint
-- seal = hmac-sha256:<kid>:<hex> under the kid's audit key over every field of the event, with
-- a domain prefix; absent fields are '-', the request id hex-encoded (it is client-chosen text).
CREATE OR REPLACE FUNCTION public.vault_event_seal(id bigint, company uuid, connector uuid,
  credential uuid, version integer, action text, actor uuid, request_id text,
  occurred_at timestamptz, kid text, audit_key bytea) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT 'hmac-sha256:' || kid || ':' || encode(public.vault_hmac(convert_to(concat_ws('|',
    'vibot.connector_credential_events.seal.v1', id, company,
    coalesce(connector::text, '-'), coalesce(credential::text, '-'), coalesce(version::text, '-'),
    action, coalesce(actor::text, '-'), encode(convert_to(coalesce(request_id, ''), 'UTF8'), 'hex'),
    (extract(epoch from occurred_at) * 1000000)::bigint), 'UTF8'), audit_key, 'sha256'), 'hex')
$$;
--> statement-breakpoint
-- Records one sealed event in the caller's transaction; returns its id. PL/pgSQL, so that its
-- INSERT is planned once per session (a SQL function's would be planned on every call).
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
-- The sequencer: chains up to `batch` committed, unchained events in id order, each MAC over the
-- previous MAC, its position and its seal. One chain for every process: the advisory lock lets
-- one sequencer at a time work (the others return 0). Concurrent readers never wait on it.
CREATE OR REPLACE FUNCTION public.vault_chain_events(kid text, audit_key text, batch integer)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  key bytea := pg_catalog.decode(audit_key, 'hex');
  last_seq bigint;
  last_mac text;
  n integer;
BEGIN
  IF NOT pg_catalog.pg_try_advisory_xact_lock(7368207346913720435) THEN
    RETURN 0;
  END IF;
  SELECT c.chain_seq, c.chain_mac INTO last_seq, last_mac FROM public.connector_credential_events c
  WHERE c.chain_seq IS NOT NULL ORDER BY c.chain_seq DESC LIMIT 1;
  -- One statement for the whole batch: the MACs computed in order by a recursive query, then a
  -- single UPDATE (a statement per event cost more than the chaining itself).
  WITH RECURSIVE pending AS (
    SELECT c.id, c.seal, pg_catalog.row_number() OVER (ORDER BY c.id) AS rn
    FROM public.connector_credential_events c
    WHERE c.chain_seq IS NULL ORDER BY c.id LIMIT batch
  ), chained AS (
    SELECT p.id, p.rn, coalesce(last_seq, 0) + 1 AS seq,
      'hmac-sha256:' || kid || ':' || pg_catalog.encode(public.vault_hmac(pg_catalog.convert_to(
        coalesce(last_mac, '') || '|' || (coalesce(last_seq, 0) + 1) || '|' || p.seal, 'UTF8'), key, 'sha256'), 'hex') AS mac
    FROM pending p WHERE p.rn = 1
    UNION ALL
    SELECT p.id, p.rn, c.seq + 1,
      'hmac-sha256:' || kid || ':' || pg_catalog.encode(public.vault_hmac(pg_catalog.convert_to(
        c.mac || '|' || (c.seq + 1) || '|' || p.seal, 'UTF8'), key, 'sha256'), 'hex')
    FROM chained c JOIN pending p ON p.rn = c.rn + 1
  )
  UPDATE public.connector_credential_events e SET chain_seq = c.seq, chain_mac = c.mac
  FROM chained c WHERE e.id = c.id;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.vault_chain_events(text, text, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.vault_chain_events(text, text, integer) TO service_role;
--> statement-breakpoint
-- A stored version opened with the keyring: its plaintext, or why not — unknown_key,
-- checksum_mismatch (verified in constant time before any decryption) or undecryptable (pgcrypto
-- refused although the checksum verified). The one place both request-door functions open a row.
CREATE OR REPLACE FUNCTION public.vault_open(r public.connector_credentials, kids text,
  enc_keys text, mac_keys text, OUT secret_json text, OUT failure text)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  kid text := pg_catalog.split_part(r.checksum, ':', 2);
  i integer := pg_catalog.array_position(pg_catalog.string_to_array(kids, ','), kid);
BEGIN
  IF i IS NULL THEN
    failure := 'unknown_key';
    RETURN;
  END IF;
  BEGIN
    secret_json := public.vault_verified_decrypt(r.checksum, r.company_id, r.connector_id,
      r.version, kid, r.secret_ciphertext, (pg_catalog.string_to_array(enc_keys, ','))[i],
      pg_catalog.decode((pg_catalog.string_to_array(mac_keys, ','))[i], 'hex'));
    IF secret_json IS NULL THEN
      failure := 'checksum_mismatch';
    END IF;
  EXCEPTION WHEN external_routine_invocation_exception THEN
    failure := 'undecryptable';
  END;
END
$$;
--> statement-breakpoint
-- The newest version (wanted NULL) or version `wanted` of the caller's connector, verified and
-- decrypted, as `authenticated` under RLS, with its `read` event (when audit_reads) or its
-- `integrity_failure` event in the same transaction. No row: connector_found says which 404.
-- `failure` names an integrity failure: unknown_key, checksum_mismatch or undecryptable.
CREATE OR REPLACE FUNCTION public.vault_read_credential(claims text, connector uuid,
  wanted integer, kids text, enc_keys text, mac_keys text, audit_kid text, audit_key text,
  actor uuid, request_id text, audit_reads boolean)
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
    PERFORM public.vault_record_event(r.company_id, r.connector_id, r.id, r.version,
      CASE WHEN failure IS NULL THEN 'read' ELSE 'integrity_failure' END, actor,
      request_id, audit_kid, pg_catalog.decode(audit_key, 'hex'));
  END IF;
  RETURN NEXT;
END
$$;
--> statement-breakpoint
-- Writes the next version of the caller's connector, as `service_role` behind the guard: its
-- secret is `secret_json`, or for a rollback (`source_version`) that version's, verified and
-- decrypted here so that it never leaves the database. The connector's row lock queues writers
-- of one connector; `last_credential_version` numbers versions, never reused; `expected` is
-- check-and-set against the newest existing version (0: none); past `max_versions` the oldest go.
-- Events in the same transaction: rotate or rollback (and the rollback source's read), destroy
-- for each version pruned, integrity_failure for a source that fails verification.
-- `outcome`: written, connector_not_found, version_not_found, unknown_key, checksum_mismatch,
-- undecryptable or version_conflict (nothing written but the failure's event).
CREATE OR REPLACE FUNCTION public.vault_write_version(claims text, connector uuid,
  secret_json text, source_version integer, expected integer, actor uuid, max_versions integer,
  active_kid text, kids text, enc_keys text, mac_keys text, audit_key text, request_id text,
  audit_reads boolean)
RETURNS TABLE (id uuid, company_id uuid, connector_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, current_version integer, outcome text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  kid_list text[] := pg_catalog.string_to_array(kids, ',');
  enc_list text[] := pg_catalog.string_to_array(enc_keys, ',');
  mac_list text[] := pg_catalog.string_to_array(mac_keys, ',');
  seal_key bytea := pg_catalog.decode(audit_key, 'hex');
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
    PERFORM public.vault_record_event(company, connector, src.id, src.version,
      CASE WHEN outcome IS NULL THEN 'read' ELSE 'integrity_failure' END, actor, request_id,
      active_kid, seal_key)
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
  PERFORM public.vault_record_event(company, connector, written.id, written.version,
    CASE WHEN source_version IS NULL THEN 'rotate' ELSE 'rollback' END, actor, request_id,
    active_kid, seal_key);
  FOR pruned IN
    DELETE FROM public.connector_credentials c
    WHERE c.connector_id = connector AND c.version <= (
      SELECT k.version FROM public.connector_credentials k WHERE k.connector_id = connector
      ORDER BY k.version DESC OFFSET max_versions LIMIT 1)
    RETURNING c.id, c.version
  LOOP
    PERFORM public.vault_record_event(company, connector, pruned.id, pruned.version, 'destroy',
      actor, request_id, active_kid, seal_key);
  END LOOP;
  id := written.id; company_id := written.company_id; connector_id := written.connector_id;
  version := written.version; rotated_at := written.rotated_at; rotated_by := written.rotated_by;
  outcome := 'written';
  RETURN NEXT;
END
$$;
