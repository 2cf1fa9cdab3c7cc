-- current_company_id() and has_role() as PL/pgSQL. Their fixed search_path keeps a SQL function
-- from being inlined, and a non-inlined SQL function re-plans its body in every statement
-- (~80 µs each on PostgreSQL 15, and the seed's policy calls both); PL/pgSQL keeps its plans for
-- the session. Same names, signatures, volatility and behaviour as migration 0000.
CREATE OR REPLACE FUNCTION public.current_company_id() RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = ''
AS $$
DECLARE
  claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
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
  claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
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
