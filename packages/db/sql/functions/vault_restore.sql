-- Restores deleted version `restored` of the caller's connector within its recovery window
-- (docs/ARCHITECTURE.md, "Version lifecycle"), as `service_role`, under the connector's row lock:
-- readable again, and current only when the connector has no current version. Recorded as
-- `restore` with its stages (`deleted>retained`). `outcome`: restored, connector_not_found,
-- version_not_found (never written, or already purged), version_conflict (not deleted),
-- forbidden. The version's metadata and stage come back.
CREATE OR REPLACE FUNCTION public.vault_restore(claims text, connector uuid, restored integer,
  request_id text)
RETURNS TABLE (id uuid, company_id uuid, connector_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, stage text, expires_at timestamptz, outcome text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  locked record;
  p public.integration_connectors;
  r public.connector_credentials;
  l public.connector_credential_lifecycle;
BEGIN
  PERFORM public.vault_enter(claims, 'service_role');
  SELECT l.* INTO locked FROM public.vault_lock_connector(connector) l;
  p := locked.pointers;
  outcome := locked.refusal;
  IF outcome IS NOT NULL THEN
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT c.* INTO r FROM public.connector_credentials c
  WHERE c.connector_id = connector AND c.version = restored;
  IF NOT FOUND THEN
    outcome := 'version_not_found';
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT x.* INTO l FROM public.connector_credential_lifecycle x
  WHERE x.credential_id = r.id AND x.deleted_at IS NOT NULL FOR UPDATE;
  IF NOT FOUND THEN
    outcome := 'version_conflict';
    RETURN NEXT;
    RETURN;
  END IF;
  IF l.expires_at IS NULL THEN
    DELETE FROM public.connector_credential_lifecycle x WHERE x.credential_id = r.id;
  ELSE
    UPDATE public.connector_credential_lifecycle x SET deleted_at = NULL, purge_after = NULL
    WHERE x.credential_id = r.id;
  END IF;
  IF p.current_version IS NULL THEN
    UPDATE public.integration_connectors ic SET current_version = restored
    WHERE ic.id = connector RETURNING ic.* INTO p;
  END IF;
  stage := public.vault_stage_of(r.version, p.current_version, p.pending_version,
    p.previous_version);
  PERFORM public.vault_record_change(connector, r.id, r.version, 'restore', 'deleted>' || stage,
    request_id);
  id := r.id; company_id := r.company_id; connector_id := r.connector_id; version := r.version;
  rotated_at := r.rotated_at; rotated_by := r.rotated_by; expires_at := l.expires_at;
  outcome := 'restored';
  RETURN NEXT;
END
$$;
