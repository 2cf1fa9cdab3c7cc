-- The newest version (wanted NULL) or version `wanted` of the caller's connector, verified and
-- decrypted, as `authenticated` under RLS, with its `read` event (when audit_reads) or its
-- `integrity_failure` event recorded in the same transaction. No row: connector_found says which
-- 404. `failure` names an integrity failure: unknown_key, checksum_mismatch or undecryptable. The
-- keyring travels as parallel comma-separated kids, encryption keys and hex MAC keys.
CREATE OR REPLACE FUNCTION public.vault_read_credential(claims text, connector uuid, wanted integer,
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
