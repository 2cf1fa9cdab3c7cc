-- The recorder, the one way an API role writes audit events: records events of the caller's
-- request in the caller's transaction and returns their ids. The company and actor come from the
-- request's claims (an admin's, as the seed's policy requires), every connector must be that
-- company's, and the events are left for the sequencer to seal and chain. Security definer, owned
-- by vault_ledger: an admin calling it directly can only add events about its own company's
-- connectors, attributed to itself. One INSERT, the claims read once, however many events.
CREATE OR REPLACE FUNCTION public.vault_record_events(connectors uuid[], credentials uuid[],
  versions integer[], actions text[], request_id text) RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = ''
AS $$
#variable_conflict use_variable
DECLARE
  company uuid := public.current_company_id();
  sub text := public.request_jwt_claims() ->> 'sub';
BEGIN
  IF company IS NULL OR NOT public.has_role('Vibot.admin') OR EXISTS (
    SELECT 1 FROM pg_catalog.unnest(connectors) AS u(c)
    WHERE NOT EXISTS (SELECT 1 FROM public.integration_connectors ic
      WHERE ic.id = u.c AND ic.company_id = company)
  ) THEN
    RAISE EXCEPTION 'events are recorded only for an admin''s own connectors'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY
  INSERT INTO public.connector_credential_events
    (company_id, connector_id, credential_id, version, action, actor, request_id)
  SELECT company, u.c, u.credential, u.version, u.action,
    CASE WHEN sub ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN sub::uuid END,
    request_id
  FROM ROWS FROM (pg_catalog.unnest(connectors), pg_catalog.unnest(credentials),
    pg_catalog.unnest(versions), pg_catalog.unnest(actions)) AS u(c, credential, version, action)
  RETURNING id;
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_record_events(uuid[], uuid[], integer[], text[], text) OWNER TO vault_ledger;
