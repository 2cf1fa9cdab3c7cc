-- Appends one event, unsealed and unchained; returns its id. The one INSERT into the ledger.
-- Executable only by its owner (the recorder below) and the operator (reencrypt), never by the
-- API's roles, since it takes the company and actor as arguments.
CREATE OR REPLACE FUNCTION public.vault_append_event(company uuid, connector uuid,
  credential uuid, version integer, action text, actor uuid, request_id text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = ''
AS $$
#variable_conflict use_variable
DECLARE
  n bigint;
BEGIN
  INSERT INTO public.connector_credential_events
    (company_id, connector_id, credential_id, version, action, actor, request_id)
  VALUES (company, connector, credential, version, action, actor, request_id)
  RETURNING id INTO n;
  RETURN n;
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_append_event(uuid, uuid, uuid, integer, text, uuid, text) OWNER TO vault_ledger;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.vault_append_event(uuid, uuid, uuid, integer, text, uuid, text) FROM PUBLIC, anon, authenticated, service_role;
