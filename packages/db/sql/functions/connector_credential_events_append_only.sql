-- Refuses an update of an audit event: its trigger (triggers/connector_credential_events_append_only.sql)
-- runs it for every update but the sequencer's chaining of an event.
CREATE OR REPLACE FUNCTION public.connector_credential_events_append_only() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
