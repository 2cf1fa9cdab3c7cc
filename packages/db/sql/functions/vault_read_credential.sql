-- Version `wanted` of the caller's connector, or when it is NULL the version at `stage` (current,
-- pending or previous: the connector's pointers), verified and decrypted, as `authenticated` under
-- RLS, with its `read` event (when audit_reads) or its `integrity_failure` event recorded in the
-- same transaction. No row: connector_found says which 404, and a deleted version (which the
-- seed's table hides from admins) is named by failure 'deleted' with purge_after. `failure`
-- otherwise names an integrity failure: unknown_key, checksum_mismatch or undecryptable. The
-- version's stage and expiry come with it. The keyring travels as parallel comma-separated kids,
-- encryption keys and hex MAC keys.
CREATE OR REPLACE FUNCTION public.vault_read_credential(claims text, connector uuid, wanted integer,
  stage text, kids text, enc_keys text, mac_keys text, request_id text, audit_reads boolean)
RETURNS TABLE (id uuid, company_id uuid, connector_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, secret_json text, connector_found boolean,
  failure text, stage_now text, expires_at timestamptz, purge_after timestamptz)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  found_row record;
  r public.connector_credentials;
BEGIN
  PERFORM public.vault_enter(claims, 'authenticated');
  -- One statement: the connector's pointers, the version they (or `wanted`) name, and its expiry.
  -- RLS keeps it inside the caller's company ("Connectors visible to their company", the seed's
  -- policy) and away from deleted versions ("Deleted versions unreadable").
  SELECT c AS credential, l.expires_at, ic.current_version, ic.pending_version,
    ic.previous_version,
    coalesce(wanted, CASE stage WHEN 'pending' THEN ic.pending_version
      WHEN 'previous' THEN ic.previous_version ELSE ic.current_version END) AS target
  INTO found_row
  FROM public.integration_connectors ic
  LEFT JOIN public.connector_credentials c ON c.connector_id = ic.id
    AND c.version = coalesce(wanted, CASE stage WHEN 'pending' THEN ic.pending_version
      WHEN 'previous' THEN ic.previous_version ELSE ic.current_version END)
  LEFT JOIN public.connector_credential_lifecycle l ON l.credential_id = c.id
  WHERE ic.id = connector;
  connector_found := FOUND;
  r := found_row.credential;
  IF r.id IS NULL THEN
    SELECT 'deleted', l.purge_after INTO failure, purge_after
    FROM public.connector_credential_lifecycle l
    WHERE l.connector_id = connector AND l.version = found_row.target AND l.deleted_at IS NOT NULL;
    RETURN NEXT;
    RETURN;
  END IF;
  id := r.id; company_id := r.company_id; connector_id := r.connector_id; version := r.version;
  rotated_at := r.rotated_at; rotated_by := r.rotated_by;
  stage_now := public.vault_stage_of(r.version, found_row.current_version,
    found_row.pending_version, found_row.previous_version);
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
