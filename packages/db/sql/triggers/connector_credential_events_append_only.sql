-- See functions/connector_credential_events_append_only.sql.
CREATE OR REPLACE TRIGGER connector_credential_events_append_only
  BEFORE UPDATE ON public.connector_credential_events
  FOR EACH ROW EXECUTE FUNCTION public.connector_credential_events_append_only();
