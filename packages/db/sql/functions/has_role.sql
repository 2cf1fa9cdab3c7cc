-- Whether the caller holds a claim role: array claim `roles`, else `app_metadata.roles`. Answers
-- from vault_enter's copy while the claims are the ones it entered, like current_company_id().
CREATE OR REPLACE FUNCTION public.has_role(role_name text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT coalesce(CASE
    WHEN pg_catalog.current_setting('vault.claims_for', true)
      OPERATOR(pg_catalog.=) pg_catalog.current_setting('request.jwt.claims', true)
    THEN pg_catalog.current_setting('vault.claims_roles', true)::pg_catalog.jsonb
    ELSE (public.vault_parse_claims()).roles
  END OPERATOR(pg_catalog.?) role_name, false)
$$;
