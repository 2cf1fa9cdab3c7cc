-- What the request's claims say, parsed: the one place that knows where each claim lives.
-- `company`: claim `company_id`, else `app_metadata.company_id` (never `user_metadata`, which users
-- can edit); `roles`: array claim `roles`, else `app_metadata.roles` (an empty array when it is
-- not an array, so that `?` finds only its string elements, never an object's keys);
-- `user_id`: claim `sub`. Missing, empty or malformed claims give NULL company and user and no
-- roles. vault_enter keeps the answer for the request; the claim readers (current_company_id,
-- has_role, current_user_id) call this only for claims it did not enter. Its empty search_path
-- keeps a caller's own operators out of request_jwt_claims as well.
CREATE OR REPLACE FUNCTION public.vault_parse_claims(OUT company uuid, OUT roles jsonb,
  OUT user_id uuid)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = ''
AS $$
DECLARE
  claims constant jsonb := public.request_jwt_claims();
  uuid_text constant text := '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
  is_object constant boolean := jsonb_typeof(claims) = 'object';
  value text;
BEGIN
  value := CASE WHEN is_object AND claims ? 'company_id' THEN claims ->> 'company_id'
    ELSE claims -> 'app_metadata' ->> 'company_id' END;
  IF value ~* uuid_text THEN
    company := value::uuid;
  END IF;
  roles := CASE WHEN is_object AND claims ? 'roles' THEN claims -> 'roles'
    ELSE claims -> 'app_metadata' -> 'roles' END;
  IF jsonb_typeof(roles) IS DISTINCT FROM 'array' THEN
    roles := '[]';
  END IF;
  value := claims ->> 'sub';
  IF value ~* uuid_text THEN
    user_id := value::uuid;
  END IF;
END
$$;
