-- The recorder: records one event of the caller's request in the caller's transaction and
-- returns its id. The company and actor come from the request's claims (an admin's, as the seed's
-- policy requires), the connector must be that company's, and the event is left for the
-- sequencer to seal and chain. Called by the request-door functions (as authenticated or
-- service_role); an admin calling it directly can only add events about its own company's
-- connectors, attributed to itself.
CREATE OR REPLACE FUNCTION public.vault_record_event(connector uuid, credential uuid,
  version integer, action text, request_id text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = ''
AS $$
#variable_conflict use_variable
DECLARE
  company uuid := public.current_company_id();
  actor uuid := public.current_user_id();
BEGIN
  IF company IS NULL OR NOT public.has_role('Vibot.admin') OR NOT EXISTS (
    SELECT 1 FROM public.integration_connectors ic
    WHERE ic.id = connector AND ic.company_id = company
  ) THEN
    RAISE EXCEPTION 'events are recorded only for an admin''s own connectors'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN public.vault_append_event(company, connector, credential, version, action,
    actor,
    request_id);
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_record_event(uuid, uuid, integer, text, text) OWNER TO vault_ledger;
