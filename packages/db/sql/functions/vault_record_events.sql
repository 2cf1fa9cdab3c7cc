-- The recorder for many events of one request at once (a batch read; a write and the versions it
-- pruned): the same rules as vault_record_event — company and actor from the request's claims, an
-- admin's own connectors only, unsealed and unchained — in one INSERT, the claims read once. Events
-- take their ids in the order of their connectors, and of the arrays within one connector.
-- Returns how many it recorded. Its statements keep one generic plan: a plan made for the arrays at
-- hand is always estimated cheaper than the generic one, so without the setting every call planned
-- them again (a rotation's two events: 146-156 µs a call, against 50-55 µs; measured by
-- apps/api/bench/experiments/ledger-cost/run.sh).
CREATE OR REPLACE FUNCTION public.vault_record_events(connectors uuid[], credentials uuid[],
  versions integer[], actions text[], request_id text) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = ''
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_variable
DECLARE
  company uuid := public.current_company_id();
  actor uuid := public.current_user_id();
  n integer;
BEGIN
  IF company IS NULL OR NOT public.has_role('Vibot.admin') OR EXISTS (
    SELECT 1 FROM pg_catalog.unnest(connectors) AS u(c)
    WHERE NOT EXISTS (SELECT 1 FROM public.integration_connectors ic
      WHERE ic.id = u.c AND ic.company_id = company)
  ) THEN
    RAISE EXCEPTION 'events are recorded only for an admin''s own connectors'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO public.connector_credential_events
    (company_id, connector_id, credential_id, version, action, actor, request_id)
  SELECT company, u.c, u.credential, u.version, u.action,
    actor,
    request_id
  FROM ROWS FROM (pg_catalog.unnest(connectors), pg_catalog.unnest(credentials),
    pg_catalog.unnest(versions), pg_catalog.unnest(actions)) WITH ORDINALITY
    AS u(c, credential, version, action, n)
  ORDER BY u.c, u.n;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_record_events(uuid[], uuid[], integer[], text[], text) OWNER TO vault_ledger;
