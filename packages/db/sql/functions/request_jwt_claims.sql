-- The request's verified claims, or NULL when missing, empty or not JSON: never an error. Read by
-- vault_parse_claims, the one place that says what the claims mean (and whose empty search_path
-- this runs under). No SET clause: it costs a settings save and restore per call, and the body
-- names only pg_catalog.
CREATE OR REPLACE FUNCTION public.request_jwt_claims() RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
  RETURN nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb;
EXCEPTION WHEN invalid_text_representation THEN
  RETURN NULL;
END
$$;
