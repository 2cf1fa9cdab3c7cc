-- The caller's user: the request's claim `sub` when it is a uuid, else NULL. Answers from
-- vault_enter's copy while the claims are the ones it entered, like current_company_id().
CREATE OR REPLACE FUNCTION public.current_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN pg_catalog.current_setting('vault.claims_for', true)
      OPERATOR(pg_catalog.=) pg_catalog.current_setting('request.jwt.claims', true)
    THEN CASE WHEN pg_catalog.current_setting('vault.claims_user', true) OPERATOR(pg_catalog.<>) ''
      THEN pg_catalog.current_setting('vault.claims_user', true)::pg_catalog.uuid END
    ELSE (public.vault_parse_claims()).user_id
  END
$$;
