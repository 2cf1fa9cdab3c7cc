-- The recorder of one event: vault_record_events (which holds the rules) for a single event of the
-- caller's request; returns its id. Called by the request-door functions, as authenticated or
-- service_role.
CREATE OR REPLACE FUNCTION public.vault_record_event(connector uuid, credential uuid,
  version integer, action text, request_id text) RETURNS bigint
LANGUAGE sql VOLATILE
AS $$
  SELECT r.id FROM public.vault_record_events(ARRAY[connector], ARRAY[credential],
    ARRAY[version], ARRAY[action], request_id) AS r(id)
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_record_event(uuid, uuid, integer, text, text) OWNER TO vault_ledger;
