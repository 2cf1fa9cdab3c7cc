-- The company the request's claims name: claim `company_id`, else `app_metadata.company_id` (never
-- `user_metadata`, which users can edit). Missing, empty or non-uuid claims give NULL. Parses the
-- claims at each call; current_company_id() answers from vault_enter's copy of its answer when the
-- claims are the ones it was derived from, and from here otherwise.
CREATE OR REPLACE FUNCTION public.vault_claims_company() RETURNS uuid
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
