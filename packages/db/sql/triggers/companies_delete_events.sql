-- See functions/companies_delete_events.sql.
CREATE OR REPLACE TRIGGER companies_delete_events
  AFTER DELETE ON public.companies
  FOR EACH ROW EXECUTE FUNCTION public.companies_delete_events();
