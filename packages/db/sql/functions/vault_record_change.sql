-- The recorder for a lifecycle change of the caller's request (promote, delete, restore): the
-- rules of vault_record_event (company and actor from the request's claims, an admin's own
-- connectors only, unsealed and unchained) with the event's sealed `detail`, the version's stages
-- before and after (`pending>current`). Only the lifecycle functions call it, as `service_role`:
-- an admin (`authenticated`) may not announce a stage change that did not happen. Kept apart from
-- vault_record_event so that the recorder of every read and rotation keeps its five arguments.
CREATE OR REPLACE FUNCTION public.vault_record_change(connector uuid, credential uuid,
  version integer, action text, detail text, request_id text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = ''
AS $$
#variable_conflict use_variable
DECLARE
  company uuid := public.current_company_id();
  actor uuid := public.current_user_id();
BEGIN
  IF company IS NULL OR NOT public.has_role('Vibot.admin')
     OR pg_catalog.current_setting('role') <> 'service_role' OR NOT EXISTS (
    SELECT 1 FROM public.integration_connectors ic
    WHERE ic.id = connector AND ic.company_id = company
  ) THEN
    RAISE EXCEPTION 'events are recorded only for an admin''s own connectors'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF action NOT IN ('promote', 'delete', 'restore') OR detail !~ '^[a-z]+>[a-z]+$' THEN
    RAISE EXCEPTION 'a lifecycle change is promote, delete or restore, with its stages'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN public.vault_append_event(company, connector, credential, version, action,
    actor,
    request_id, detail);
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_record_change(uuid, uuid, integer, text, text, text) OWNER TO vault_ledger;
