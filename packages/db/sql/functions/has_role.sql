-- Whether the caller holds a claim role: array claim `roles`, else `app_metadata.roles`.
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
