-- Makes the pending version of the caller's connector current (docs/ARCHITECTURE.md, "Version
-- lifecycle"), as `service_role`: under the connector's row lock, `version` must be the pending
-- one (else version_conflict: of two concurrent promotes one wins) and `expected`, when given,
-- the current one. The current version becomes previous. Both moves are recorded (promote, with
-- each version's stages before and after). `outcome`: promoted, connector_not_found,
-- version_not_found, version_conflict, or forbidden (not an admin, or the token's subject is not
-- a user of the company); nothing changes unless promoted.
CREATE OR REPLACE FUNCTION public.vault_promote(claims text, connector uuid, promoted integer,
  expected integer, request_id text)
RETURNS TABLE (id uuid, company_id uuid, connector_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, current_version integer, pending_version integer,
  outcome text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  locked record;
  p public.integration_connectors;
  r public.connector_credentials;
  demoted public.connector_credentials;
BEGIN
  PERFORM public.vault_enter(claims, 'service_role');
  SELECT l.* INTO locked FROM public.vault_lock_connector(connector) l;
  p := locked.pointers;
  outcome := locked.refusal;
  IF outcome IS NOT NULL THEN
    RETURN NEXT;
    RETURN;
  END IF;
  current_version := p.current_version;
  pending_version := p.pending_version;
  SELECT c.* INTO r FROM public.connector_credentials c
  WHERE c.connector_id = connector AND c.version = promoted;
  IF NOT FOUND THEN
    outcome := 'version_not_found';
    RETURN NEXT;
    RETURN;
  END IF;
  IF p.pending_version IS DISTINCT FROM promoted
     OR (expected IS NOT NULL AND coalesce(p.current_version, 0) <> expected) THEN
    outcome := 'version_conflict';
    RETURN NEXT;
    RETURN;
  END IF;
  UPDATE public.integration_connectors ic
  SET current_version = promoted, pending_version = NULL,
    previous_version = coalesce(ic.current_version, ic.previous_version)
  WHERE ic.id = connector;
  PERFORM public.vault_record_change(connector, r.id, r.version, 'promote', 'pending>current',
    request_id);
  SELECT c.* INTO demoted FROM public.connector_credentials c
  WHERE c.connector_id = connector AND c.version = p.current_version;
  IF FOUND THEN
    PERFORM public.vault_record_change(connector, demoted.id, demoted.version, 'promote',
      'current>previous', request_id);
  END IF;
  id := r.id; company_id := r.company_id; connector_id := r.connector_id; version := r.version;
  rotated_at := r.rotated_at; rotated_by := r.rotated_by;
  current_version := promoted; pending_version := NULL;
  outcome := 'promoted';
  RETURN NEXT;
END
$$;
