-- A company's deletion takes its events with it. A trigger rather than a foreign key: a foreign
-- key would make every event (every read) share-lock the company's row, and concurrent readers of
-- one company would contend on it (reads must not wait on each other).
CREATE OR REPLACE FUNCTION public.companies_delete_events() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  DELETE FROM public.connector_credential_events e WHERE e.company_id = OLD.id;
  RETURN NULL;
END
$$;
