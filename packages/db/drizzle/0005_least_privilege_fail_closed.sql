-- Least privilege and fail-closed checks (SPEC §4.2): the `authenticator` group role, a guard that
-- checks every writer but the operator, claim readers that never raise, pgcrypto reached only
-- through schema-qualified wrappers, grants of the key canary, and readiness for the API's login.
--
-- The API's login is a member of `authenticator` (NOINHERIT, like Supabase's own): it holds no
-- privilege of its own and can only act after switching role inside a request's transaction.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticator') THEN
    BEGIN CREATE ROLE authenticator NOLOGIN NOINHERIT; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  END IF;
  BEGIN
    GRANT anon, authenticated, service_role TO authenticator;
  EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
    RAISE WARNING 'could not grant anon, authenticated, service_role to authenticator; grant them as a superuser';
  END;
END
$$;
--> statement-breakpoint
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
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.current_company_id() RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = ''
AS $$
DECLARE
  claims jsonb := public.request_jwt_claims();
  company text;
BEGIN
  IF jsonb_typeof(claims) = 'object' AND claims ? 'company_id' THEN
    company := claims ->> 'company_id';
  ELSE
    company := claims -> 'app_metadata' ->> 'company_id';
  END IF;
  IF company ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
    RETURN company::uuid;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.has_role(role_name text) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = ''
AS $$
DECLARE
  claims jsonb := public.request_jwt_claims();
  roles jsonb;
BEGIN
  IF jsonb_typeof(claims) = 'object' AND claims ? 'roles' THEN
    roles := claims -> 'roles';
  ELSE
    roles := claims -> 'app_metadata' -> 'roles';
  END IF;
  RETURN coalesce(jsonb_typeof(roles) = 'array' AND roles ? role_name, false);
END
$$;
--> statement-breakpoint
-- Who may change a credential: the seed's policy governs reads (authenticated, under RLS); this
-- guard governs writes. It fails closed: every writer is checked — service_role, a role that
-- merely inherits its grants, the table owner — except a superuser or a BYPASSRLS role that is
-- not service_role (the operator commands, which act for no company).
CREATE OR REPLACE FUNCTION public.connector_credentials_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  company uuid;
  actor text;
BEGIN
  IF current_user <> 'service_role' AND EXISTS (
    SELECT 1 FROM pg_catalog.pg_roles r
    WHERE r.rolname = current_user AND (r.rolsuper OR r.rolbypassrls)
  ) THEN
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  company := public.current_company_id();
  IF company IS NULL OR NOT public.has_role('Vibot.admin')
     OR (TG_OP <> 'INSERT' AND OLD.company_id IS DISTINCT FROM company)
     OR (TG_OP <> 'DELETE' AND NEW.company_id IS DISTINCT FROM company) THEN
    RAISE EXCEPTION 'connector credentials may only be changed by an admin of their company'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  actor := public.request_jwt_claims() ->> 'sub';
  IF actor IS NULL
     OR actor !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
     OR NOT EXISTS (SELECT 1 FROM public.users u WHERE u.id = actor::uuid AND u.company_id = company) THEN
    RAISE EXCEPTION 'the token subject is not a user of this company'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
--> statement-breakpoint
-- pgcrypto through wrappers qualified with the schema it is installed in (public here, extensions
-- on Supabase), so a function of the same name earlier on a role's search_path (a schema named
-- after the role, say) never receives a key. Plain SQL bodies: the planner inlines them.
DO $$
DECLARE
  s text := (SELECT n.nspname FROM pg_catalog.pg_extension e
             JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pgcrypto');
BEGIN
  EXECUTE format($f$CREATE OR REPLACE FUNCTION public.vault_pgp_sym_encrypt(data text, key text, options text)
    RETURNS bytea LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
    AS 'SELECT %I.pgp_sym_encrypt(data, key, options)'$f$, s);
  EXECUTE format($f$CREATE OR REPLACE FUNCTION public.vault_pgp_sym_decrypt(data bytea, key text)
    RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS 'SELECT %I.pgp_sym_decrypt(data, key)'$f$, s);
  EXECUTE format($f$CREATE OR REPLACE FUNCTION public.vault_hmac(data bytea, key bytea, algorithm text)
    RETURNS bytea LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS 'SELECT %I.hmac(data, key, algorithm)'$f$, s);
END
$$;
--> statement-breakpoint
REVOKE ALL ON public.keyring_checks FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
GRANT SELECT, INSERT ON public.keyring_checks TO service_role;
--> statement-breakpoint
-- Readiness for the API's login, which may read no table: the newest applied migration's stamp.
CREATE OR REPLACE FUNCTION public.credential_vault_schema_version() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$ SELECT max(created_at) FROM drizzle.__drizzle_migrations $$;
--> statement-breakpoint
-- From PostgreSQL 16, auto_explain logs bound parameters (keys, secrets) in full by default; keep
-- them out for this database, as log_parameter_max_length does for statements (migration 0002).
DO $$
BEGIN
  IF current_setting('server_version_num')::int >= 160000 THEN
    EXECUTE format('ALTER DATABASE %I SET auto_explain.log_parameter_max_length = 0', current_database());
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE WARNING 'could not limit auto_explain parameter logging on %: set auto_explain.log_parameter_max_length = 0 as a superuser', current_database();
END
$$;
