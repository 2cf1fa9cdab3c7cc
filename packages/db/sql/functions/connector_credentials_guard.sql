-- Who may change a credential: the seed's policy governs reads (authenticated, under RLS); this
-- guard governs writes. It fails closed: every writer is checked — service_role, a role that
-- merely inherits its grants, the table owner — except a superuser or a BYPASSRLS role that is
-- not service_role (the operator commands, which act for no company), and the lifecycle jobs'
-- role, which may delete (purge a version whose recovery window ended) and nothing else.
CREATE OR REPLACE FUNCTION public.connector_credentials_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  company uuid;
  actor uuid;
BEGIN
  IF current_user <> 'service_role' AND EXISTS (
    SELECT 1 FROM pg_catalog.pg_roles r
    WHERE r.rolname = current_user AND (r.rolsuper OR r.rolbypassrls)
  ) THEN
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF current_user = 'vault_lifecycle' AND TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  company := public.current_company_id();
  IF company IS NULL OR NOT public.has_role('Vibot.admin')
     OR (TG_OP <> 'INSERT' AND OLD.company_id IS DISTINCT FROM company)
     OR (TG_OP <> 'DELETE' AND NEW.company_id IS DISTINCT FROM company) THEN
    RAISE EXCEPTION 'connector credentials may only be changed by an admin of their company'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  actor := public.current_user_id();
  IF actor IS NULL
     OR NOT EXISTS (SELECT 1 FROM public.users u WHERE u.id = actor AND u.company_id = company) THEN
    RAISE EXCEPTION 'the token subject is not a user of this company'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
