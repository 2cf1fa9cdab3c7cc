-- The request's verified claims, or NULL when missing, empty or not JSON: never an error. The one
-- place that parses `request.jwt.claims`; the claim readers and the guard all go through it.
-- No SET clause (each costs a settings save and restore per call, and the policy calls this
-- twice per statement): the body names only pg_catalog, which is always searched first.
CREATE OR REPLACE FUNCTION public.request_jwt_claims() RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
  RETURN nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb;
EXCEPTION WHEN invalid_text_representation THEN
  RETURN NULL;
END
$$;
