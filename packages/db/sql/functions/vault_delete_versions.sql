-- Deletes version `one` of the caller's connector, or every version when it is NULL
-- (docs/ARCHITECTURE.md, "Version lifecycle"), as `service_role`, under the connector's row lock.
-- With `purge` (or a zero recovery window) the rows are destroyed at once, a `destroy` event
-- each; otherwise each version is marked deleted until now + `recovery`, unreadable, with a
-- `delete` event carrying its stages (`current>deleted`). Deleting the current version makes the
-- newest remaining version that is neither pending nor deleted current (a `delete` event for it
-- too, `retained>current`), and the deleted one previous; a deleted pending version stops being
-- pending. Versions already deleted are left as they are (a second delete of one version is
-- outcome 'deleted'; with `purge` they are destroyed). `outcome`: done, connector_not_found,
-- version_not_found, deleted (with purge_after), forbidden; `changed` counts the versions.
CREATE OR REPLACE FUNCTION public.vault_delete_versions(claims text, connector uuid, one integer,
  purge boolean, recovery interval, request_id text)
RETURNS TABLE (changed integer, outcome text, purge_after timestamptz)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  locked record;
  p public.integration_connectors;
  destroying boolean := purge OR recovery <= interval '0';
  until timestamptz := pg_catalog.now() + recovery;
  v record;
  promoted public.connector_credentials;
  old_stage text;
  now_current integer;
BEGIN
  PERFORM public.vault_enter(claims, 'service_role');
  SELECT l.* INTO locked FROM public.vault_lock_connector(connector) l;
  p := locked.pointers;
  outcome := locked.refusal;
  IF outcome IS NOT NULL THEN
    RETURN NEXT;
    RETURN;
  END IF;
  IF one IS NOT NULL THEN
    IF NOT EXISTS (SELECT 1 FROM public.connector_credentials c
                   WHERE c.connector_id = connector AND c.version = one) THEN
      outcome := 'version_not_found';
      RETURN NEXT;
      RETURN;
    END IF;
    SELECT l.purge_after INTO purge_after FROM public.connector_credential_lifecycle l
    WHERE l.connector_id = connector AND l.version = one AND l.deleted_at IS NOT NULL;
    IF FOUND AND NOT destroying THEN
      outcome := 'deleted';
      RETURN NEXT;
      RETURN;
    END IF;
    purge_after := NULL;
  END IF;
  changed := 0;
  FOR v IN
    SELECT c.id, c.version, c.rotated_at, c.rotated_by, l.deleted_at IS NOT NULL AS deleted
    FROM public.connector_credentials c
    LEFT JOIN public.connector_credential_lifecycle l ON l.credential_id = c.id
    WHERE c.connector_id = connector AND (one IS NULL OR c.version = one)
    ORDER BY c.version
  LOOP
    CONTINUE WHEN v.deleted AND NOT destroying;
    changed := changed + 1;
    IF destroying THEN
      DELETE FROM public.connector_credentials c WHERE c.id = v.id;
      PERFORM public.vault_record_event(connector, v.id, v.version, 'destroy', request_id);
    ELSE
      old_stage := public.vault_stage_of(v.version, p.current_version, p.pending_version,
        p.previous_version);
      INSERT INTO public.connector_credential_lifecycle AS l
        (credential_id, company_id, connector_id, version, rotated_at, rotated_by, deleted_at,
         purge_after)
      VALUES (v.id, p.company_id, connector, v.version, v.rotated_at, v.rotated_by,
        pg_catalog.now(), until)
      ON CONFLICT ON CONSTRAINT connector_credential_lifecycle_pkey
      DO UPDATE SET deleted_at = pg_catalog.now(), purge_after = until;
      PERFORM public.vault_record_change(connector, v.id, v.version, 'delete',
        old_stage || '>deleted', request_id);
    END IF;
  END LOOP;
  -- The pointers: a pending version deleted stops being pending; a deleted current one hands
  -- current to the newest remaining version and, unless destroyed, becomes previous.
  UPDATE public.integration_connectors ic SET
    pending_version = CASE WHEN one IS NULL OR one = ic.pending_version THEN NULL
      ELSE ic.pending_version END,
    previous_version = CASE
      WHEN NOT destroying AND ic.current_version IS NOT NULL
        AND (one IS NULL OR one = ic.current_version) THEN ic.current_version
      WHEN destroying AND (one IS NULL OR one = ic.previous_version) THEN NULL
      ELSE ic.previous_version END,
    current_version = CASE WHEN one IS NULL OR one = ic.current_version THEN (
      SELECT c.version FROM public.connector_credentials c
      WHERE c.connector_id = connector AND c.version IS DISTINCT FROM ic.pending_version
        AND NOT EXISTS (SELECT 1 FROM public.connector_credential_lifecycle l
          WHERE l.credential_id = c.id AND l.deleted_at IS NOT NULL)
      ORDER BY c.version DESC LIMIT 1) ELSE ic.current_version END
  WHERE ic.id = connector
  RETURNING ic.current_version INTO now_current;
  IF now_current IS DISTINCT FROM p.current_version AND now_current IS NOT NULL THEN
    SELECT c.* INTO promoted FROM public.connector_credentials c
    WHERE c.connector_id = connector AND c.version = now_current;
    PERFORM public.vault_record_change(connector, promoted.id, promoted.version, 'delete',
      public.vault_stage_of(promoted.version, p.current_version, p.pending_version,
        p.previous_version) || '>current', request_id);
  END IF;
  outcome := 'done';
  RETURN NEXT;
END
$$;
