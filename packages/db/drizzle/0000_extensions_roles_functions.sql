-- pgcrypto, Supabase's API roles, and the two claim readers the seed's policy calls.
-- Custom migration: drizzle-kit cannot express extensions, role creation or functions.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
--> statement-breakpoint
-- Roles are cluster-wide and already exist on Supabase; tolerate a concurrent creator too.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    BEGIN CREATE ROLE anon NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    BEGIN CREATE ROLE authenticated NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    BEGIN CREATE ROLE service_role NOLOGIN BYPASSRLS; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  END IF;
END
$$;
--> statement-breakpoint
-- The login role must be able to SET ROLE to the API roles (automatic for a superuser).
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT anon, authenticated, service_role TO %I', current_user);
  END IF;
EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
  RAISE NOTICE 'could not grant the API roles to %; grant them before serving requests', current_user;
END
$$;
--> statement-breakpoint
-- The caller's company: claim `company_id`, else `app_metadata.company_id`; never `user_metadata`.
-- Missing, empty or non-uuid claims give NULL, never an error.
CREATE OR REPLACE FUNCTION public.current_company_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = ''
AS $$
  WITH claims AS (
    SELECT nullif(current_setting('request.jwt.claims', true), '')::jsonb AS c
  ), company AS (
    SELECT CASE WHEN jsonb_typeof(c) = 'object' AND c ? 'company_id' THEN c ->> 'company_id'
                ELSE c -> 'app_metadata' ->> 'company_id' END AS v
    FROM claims
  )
  SELECT CASE WHEN v ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN v::uuid END
  FROM company
$$;
--> statement-breakpoint
-- Whether the caller holds a role: array claim `roles`, else `app_metadata.roles`.
CREATE OR REPLACE FUNCTION public.has_role(role_name text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = ''
AS $$
  WITH claims AS (
    SELECT nullif(current_setting('request.jwt.claims', true), '')::jsonb AS c
  ), roles AS (
    SELECT CASE WHEN jsonb_typeof(c) = 'object' AND c ? 'roles' THEN c -> 'roles'
                ELSE c -> 'app_metadata' -> 'roles' END AS r
    FROM claims
  )
  SELECT coalesce(jsonb_typeof(r) = 'array' AND r ? role_name, false)
  FROM roles
$$;
