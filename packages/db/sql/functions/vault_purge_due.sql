-- The purge job (docs/ARCHITECTURE.md, "Version lifecycle"): destroys up to `batch` deleted
-- versions whose recovery window ended by `asof` (the API's clock), in every company, each with a
-- `purge` event (no actor), and clears the pointers that named them. One process purges at a
-- time: the advisory lock makes any other return -1. Each version is taken under its connector's
-- row lock, as the request-door changes take it, and checked again there, so that a restore
-- that commits first wins and a version is purged exactly once. Only the API's login may call it.
CREATE OR REPLACE FUNCTION public.vault_purge_due(asof timestamptz, batch integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  due record;
  gone record;
  n integer := 0;
BEGIN
  IF NOT pg_catalog.pg_try_advisory_xact_lock(7368207346913720501) THEN
    RETURN -1;
  END IF;
  FOR due IN
    SELECT l.credential_id, l.connector_id FROM public.connector_credential_lifecycle l
    WHERE l.deleted_at IS NOT NULL AND l.purge_after <= asof
    ORDER BY l.purge_after LIMIT batch
  LOOP
    PERFORM 1 FROM public.integration_connectors ic WHERE ic.id = due.connector_id FOR UPDATE;
    DELETE FROM public.connector_credentials c
    USING public.connector_credential_lifecycle l
    WHERE c.id = due.credential_id AND l.credential_id = c.id AND l.deleted_at IS NOT NULL
      AND l.purge_after <= asof
    RETURNING c.id, c.company_id, c.connector_id, c.version INTO gone;
    CONTINUE WHEN NOT FOUND;
    UPDATE public.integration_connectors ic SET
      current_version = nullif(ic.current_version, gone.version),
      pending_version = nullif(ic.pending_version, gone.version),
      previous_version = nullif(ic.previous_version, gone.version)
    WHERE ic.id = gone.connector_id;
    PERFORM public.vault_append_event(gone.company_id, gone.connector_id, gone.id, gone.version,
      'purge', NULL, NULL, 'deleted>purged');
    n := n + 1;
  END LOOP;
  RETURN n;
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_purge_due(timestamptz, integer) OWNER TO vault_lifecycle;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.vault_purge_due(timestamptz, integer) FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.vault_purge_due(timestamptz, integer) TO authenticator;
