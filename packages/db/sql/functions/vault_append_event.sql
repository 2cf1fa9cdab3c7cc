-- Appends one event, unsealed and unchained; returns its id. The one INSERT of a single event into
-- the ledger. Executable only by its owner (the recorders), the operator (reencrypt) and the
-- lifecycle jobs (purges and reminders, which have no actor), never by the API's roles, since it
-- takes the company and actor as arguments. `detail`: what a lifecycle event adds (sealed).
CREATE OR REPLACE FUNCTION public.vault_append_event(company uuid, connector uuid,
  credential uuid, version integer, action text, actor uuid, request_id text,
  detail text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = ''
AS $$
#variable_conflict use_variable
DECLARE
  n bigint;
BEGIN
  INSERT INTO public.connector_credential_events
    (company_id, connector_id, credential_id, version, action, actor, request_id, detail)
  VALUES (company, connector, credential, version, action, actor, request_id, detail)
  RETURNING id INTO n;
  RETURN n;
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_append_event(uuid, uuid, uuid, integer, text, uuid, text, text) OWNER TO vault_ledger;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.vault_append_event(uuid, uuid, uuid, integer, text, uuid, text, text) FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.vault_append_event(uuid, uuid, uuid, integer, text, uuid, text, text) TO vault_lifecycle;
