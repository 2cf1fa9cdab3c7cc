-- Readiness for the API's login, which may read no table: the newest applied migration's stamp.
CREATE OR REPLACE FUNCTION public.credential_vault_schema_version() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$ SELECT max(created_at) FROM drizzle.__drizzle_migrations $$;
