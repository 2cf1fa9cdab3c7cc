-- Every write to a credential passes the guard (functions/connector_credentials_guard.sql).
CREATE OR REPLACE TRIGGER connector_credentials_guard
  BEFORE INSERT OR UPDATE OR DELETE ON public.connector_credentials
  FOR EACH ROW EXECUTE FUNCTION public.connector_credentials_guard();
