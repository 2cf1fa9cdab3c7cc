-- Version `wanted` of the caller's connector, or when it is NULL the version at `stage` (current,
-- pending or previous: the connector's pointers), verified and decrypted, as `authenticated` under
-- RLS, with its `read` event (when audit_reads) or its `integrity_failure` event recorded in the
-- same transaction. No row: connector_found says which 404, and a deleted version (which the
-- seed's table hides from admins) is named by failure 'deleted' with purge_after. `failure`
-- otherwise names an integrity failure: unknown_key, checksum_mismatch or undecryptable. The
-- version's stage and expiry come with it. The keyring travels as parallel comma-separated kids,
-- encryption keys and hex MAC keys. `enable_seqscan = off`: on a lifecycle table of a page or two
-- the planner scans it whole inside this one-row read, evaluating its RLS claim functions on every
-- row (measured: 10% of versions deleted cost the read 0.85-0.94x and about 100 µs of database
-- CPU); every statement here has an index that answers it (BENCHMARKS.md, notes).
CREATE OR REPLACE FUNCTION public.vault_read_credential(claims text, connector uuid, wanted integer,
  stage text, kids text, enc_keys text, mac_keys text, request_id text, audit_reads boolean)
RETURNS TABLE (id uuid, company_id uuid, connector_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, secret_json text, connector_found boolean,
  failure text, stage_now text, expires_at timestamptz, purge_after timestamptz)
LANGUAGE plpgsql
SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
  p public.integration_connectors;
  target integer;
  found_row record;
  r public.connector_credentials;
BEGIN
  PERFORM public.vault_enter(claims, 'authenticated');
  -- RLS ("Connectors visible to their company") hides another company's connector.
  SELECT ic.* INTO p FROM public.integration_connectors ic WHERE ic.id = connector;
  connector_found := FOUND;
  target := coalesce(wanted, CASE stage WHEN 'pending' THEN p.pending_version
    WHEN 'previous' THEN p.previous_version ELSE p.current_version END);
  -- RLS (the seed's policy, and "Deleted versions unreadable") keeps the read inside the caller's
  -- company and away from deleted versions. The expiry is a subquery on the lifecycle row's key:
  -- a join let the planner scan and hash the whole lifecycle table for this one row.
  SELECT c AS credential, (SELECT l.expires_at FROM public.connector_credential_lifecycle l
    WHERE l.credential_id = c.id) AS expires_at
  INTO found_row
  FROM public.connector_credentials c
  WHERE c.connector_id = connector AND c.version = target;
  r := found_row.credential;
  IF r.id IS NULL THEN
    SELECT 'deleted', l.purge_after INTO failure, purge_after
    FROM public.connector_credential_lifecycle l
    WHERE l.connector_id = connector AND l.version = target AND l.deleted_at IS NOT NULL;
    RETURN NEXT;
    RETURN;
  END IF;
  id := r.id; company_id := r.company_id; connector_id := r.connector_id; version := r.version;
  rotated_at := r.rotated_at; rotated_by := r.rotated_by;
  stage_now := public.vault_stage_of(r.version, p.current_version, p.pending_version,
    p.previous_version);
  expires_at := found_row.expires_at;
  SELECT o.secret_json, o.failure INTO secret_json, failure
  FROM public.vault_open(r, kids, enc_keys, mac_keys) o;
  IF failure IS NOT NULL OR audit_reads THEN
    PERFORM public.vault_record_event(r.connector_id, r.id, r.version,
      CASE WHEN failure IS NULL THEN 'read' ELSE 'integrity_failure' END, request_id);
  END IF;
  RETURN NEXT;
END
$$;
