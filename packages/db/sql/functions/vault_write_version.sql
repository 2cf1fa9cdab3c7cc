-- Writes the next version of the caller's connector, as `service_role` behind the guard: its
-- secret is `secret_json`, or for a rollback (`source_version`) that version's, verified and
-- decrypted here so that it never leaves the database. The connector's row lock queues changes
-- of one connector's versions; `last_credential_version` numbers versions, never reused;
-- `expected` is check-and-set against the current version (0: none). `stage` 'current' makes the
-- new version current (the current one becomes previous); 'pending' makes it the pending version
-- (an older pending one stays, retained). `expires_at` (information, in the future) is kept in
-- its lifecycle row. Past `max_versions` the oldest go, never the current, pending or previous.
-- Events, through the recorder: rotate, rollback or stage (and the rollback source's read),
-- destroy for each version pruned (with the write's own event, in one INSERT), integrity_failure
-- for a source that fails verification.
-- `outcome`: written, busy, connector_not_found, version_not_found, deleted (the rollback source is;
-- purge_after says until when), expiry_not_future, unknown_key, checksum_mismatch, undecryptable
-- or version_conflict (nothing written but the failure's event). With `wait_for_lock` false (a
-- write among others in one statement), a connector locked by another transaction is not waited
-- for: `busy`, nothing written, and the door sends that write again alone.
CREATE OR REPLACE FUNCTION public.vault_write_version(claims text, connector uuid,
  secret_json text, source_version integer, expected integer, actor uuid, max_versions integer,
  stage text, expires_at timestamptz, active_kid text, kids text, enc_keys text, mac_keys text,
  request_id text, audit_reads boolean, wait_for_lock boolean DEFAULT true)
RETURNS TABLE (id uuid, company_id uuid, connector_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, current_version integer, outcome text,
  purge_after timestamptz)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  kid_list text[] := pg_catalog.string_to_array(kids, ',');
  enc_list text[] := pg_catalog.string_to_array(enc_keys, ',');
  mac_list text[] := pg_catalog.string_to_array(mac_keys, ',');
  company uuid;
  pointers public.integration_connectors;
  src public.connector_credentials;
  written public.connector_credentials;
  recorded integer;
  plaintext text := secret_json;
  ciphertext bytea;
  i integer;
BEGIN
  PERFORM public.vault_enter(claims, 'service_role');
  IF stage NOT IN ('current', 'pending') THEN
    RAISE EXCEPTION 'a new version is current or pending' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Load-bearing for isolation: service_role bypasses RLS; this keeps the lock, and so the
  -- write, on the caller's own connector (tested: cross-company 404 on every route).
  IF wait_for_lock THEN
    SELECT ic.* INTO pointers FROM public.integration_connectors ic
    WHERE ic.id = connector AND ic.company_id = (SELECT public.current_company_id())
    FOR UPDATE;
  ELSE
    SELECT ic.* INTO pointers FROM public.integration_connectors ic
    WHERE ic.id = connector AND ic.company_id = (SELECT public.current_company_id())
    FOR UPDATE SKIP LOCKED;
  END IF;
  IF NOT FOUND THEN
    outcome := CASE WHEN NOT wait_for_lock AND EXISTS (
        SELECT 1 FROM public.integration_connectors ic
        WHERE ic.id = connector AND ic.company_id = (SELECT public.current_company_id()))
      THEN 'busy' ELSE 'connector_not_found' END;
    RETURN NEXT;
    RETURN;
  END IF;
  company := pointers.company_id;
  current_version := pointers.current_version;
  IF expires_at IS NOT NULL AND expires_at <= pg_catalog.now() THEN
    outcome := 'expiry_not_future';
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
    SELECT l.purge_after INTO purge_after FROM public.connector_credential_lifecycle l
    WHERE l.credential_id = src.id AND l.deleted_at IS NOT NULL;
    IF FOUND THEN
      outcome := 'deleted';
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
  IF expected IS NOT NULL AND coalesce(current_version, 0) <> expected THEN
    outcome := 'version_conflict';
    RETURN NEXT;
    RETURN;
  END IF;
  UPDATE public.integration_connectors ic
  SET last_credential_version = ic.last_credential_version + 1,
    current_version = CASE stage WHEN 'current' THEN ic.last_credential_version + 1
      ELSE ic.current_version END,
    previous_version = CASE stage WHEN 'current' THEN ic.current_version
      ELSE ic.previous_version END,
    pending_version = CASE stage WHEN 'pending' THEN ic.last_credential_version + 1
      ELSE ic.pending_version END
  WHERE ic.id = connector RETURNING ic.* INTO pointers;
  i := pg_catalog.array_position(kid_list, active_kid);
  ciphertext := public.vault_encrypt(plaintext, enc_list[i]);
  INSERT INTO public.connector_credentials AS c
    (company_id, connector_id, version, secret_ciphertext, checksum, rotated_by)
  VALUES (company, connector, pointers.last_credential_version, ciphertext,
    public.vault_checksum(company, connector, pointers.last_credential_version, active_kid,
      ciphertext, pg_catalog.decode(mac_list[i], 'hex')),
    actor)
  RETURNING c.* INTO written;
  IF expires_at IS NOT NULL THEN
    INSERT INTO public.connector_credential_lifecycle AS l
      (credential_id, company_id, connector_id, version, rotated_at, rotated_by, expires_at)
    VALUES (written.id, company, connector, written.version, written.rotated_at,
      written.rotated_by, expires_at);
  END IF;
  -- The write's event, then a destroy for each version pruned (oldest first), in one INSERT.
  WITH pruned AS (
    DELETE FROM public.connector_credentials c
    WHERE c.connector_id = connector
      AND c.version NOT IN (coalesce(pointers.current_version, 0),
        coalesce(pointers.pending_version, 0), coalesce(pointers.previous_version, 0))
      AND c.version <= (
        SELECT k.version FROM public.connector_credentials k WHERE k.connector_id = connector
        ORDER BY k.version DESC OFFSET max_versions LIMIT 1)
    RETURNING c.id, c.version
  ), events AS (
    SELECT written.id AS credential, written.version AS v,
      CASE WHEN source_version IS NOT NULL THEN 'rollback' WHEN stage = 'pending' THEN 'stage'
        ELSE 'rotate' END AS action, 0 AS n
    UNION ALL
    SELECT p.id, p.version, 'destroy', p.version FROM pruned p
  )
  SELECT public.vault_record_events(pg_catalog.array_agg(connector ORDER BY e.n),
    pg_catalog.array_agg(e.credential ORDER BY e.n), pg_catalog.array_agg(e.v ORDER BY e.n),
    pg_catalog.array_agg(e.action ORDER BY e.n), request_id)
  INTO recorded FROM events e;
  id := written.id; company_id := written.company_id; connector_id := written.connector_id;
  version := written.version; rotated_at := written.rotated_at; rotated_by := written.rotated_by;
  current_version := pointers.current_version;
  outcome := 'written';
  RETURN NEXT;
END
$$;
