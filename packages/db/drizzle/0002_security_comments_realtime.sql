-- What drizzle-kit cannot express: FORCE RLS, grants, the mutation guard, the seed's comments,
-- the metadata-only change feed, the Supabase publication and the parameter-logging limits.
ALTER TABLE public.connector_credentials FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- Supabase's default privileges hand every new table to anon/authenticated; take that back first.
REVOKE ALL ON public.companies, public.users, public.integration_connectors, public.connector_credentials
  FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
--> statement-breakpoint
GRANT SELECT ON public.connector_credentials, public.integration_connectors TO authenticated;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.connector_credentials TO service_role;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON public.integration_connectors TO service_role;
--> statement-breakpoint
GRANT SELECT ON public.companies, public.users TO service_role;
--> statement-breakpoint
-- service_role bypasses RLS, so every mutation it makes is checked here, inside the transaction:
-- the row's company must be the caller's, the caller must hold Vibot.admin, and the token's
-- subject must be a user of that company.
CREATE OR REPLACE FUNCTION public.connector_credentials_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  company uuid;
  actor text;
BEGIN
  IF current_user <> 'service_role' THEN
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  company := public.current_company_id();
  actor := nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub';
  IF company IS NULL OR NOT public.has_role('Vibot.admin')
     OR (TG_OP <> 'INSERT' AND OLD.company_id IS DISTINCT FROM company)
     OR (TG_OP <> 'DELETE' AND NEW.company_id IS DISTINCT FROM company) THEN
    RAISE EXCEPTION 'connector credentials may only be changed by an admin of their company'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
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
CREATE TRIGGER connector_credentials_guard
  BEFORE INSERT OR UPDATE OR DELETE ON public.connector_credentials
  FOR EACH ROW EXECUTE FUNCTION public.connector_credentials_guard();
--> statement-breakpoint
-- Announces each committed change with metadata only: never the ciphertext or the checksum.
-- NOTIFY is delivered at commit, so a rolled-back rotation announces nothing.
CREATE OR REPLACE FUNCTION public.connector_credentials_notify() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  new_meta jsonb := '{}';
  old_meta jsonb := '{}';
BEGIN
  IF TG_OP <> 'DELETE' THEN
    new_meta := jsonb_build_object('id', NEW.id, 'company_id', NEW.company_id,
      'connector_id', NEW.connector_id, 'version', NEW.version,
      'rotated_at', NEW.rotated_at, 'rotated_by', NEW.rotated_by);
  END IF;
  IF TG_OP <> 'INSERT' THEN
    old_meta := jsonb_build_object('id', OLD.id, 'company_id', OLD.company_id,
      'connector_id', OLD.connector_id, 'version', OLD.version,
      'rotated_at', OLD.rotated_at, 'rotated_by', OLD.rotated_by);
  END IF;
  PERFORM pg_notify('connector_credentials', jsonb_build_object(
    'op', TG_OP,
    'company_id', coalesce(NEW.company_id, OLD.company_id),
    'at', clock_timestamp(),
    'new', new_meta,
    'old', old_meta)::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER connector_credentials_notify
  AFTER INSERT OR UPDATE OR DELETE ON public.connector_credentials
  FOR EACH ROW EXECUTE FUNCTION public.connector_credentials_notify();
--> statement-breakpoint
COMMENT ON TABLE public.connector_credentials IS '连接器凭据';
--> statement-breakpoint
COMMENT ON COLUMN public.connector_credentials.id IS '凭据唯一标识';
--> statement-breakpoint
COMMENT ON COLUMN public.connector_credentials.company_id IS '所属公司';
--> statement-breakpoint
COMMENT ON COLUMN public.connector_credentials.connector_id IS '关联连接器';
--> statement-breakpoint
COMMENT ON COLUMN public.connector_credentials.version IS '版本号';
--> statement-breakpoint
COMMENT ON COLUMN public.connector_credentials.secret_ciphertext IS '使用 pgcrypto 加密后的密文';
--> statement-breakpoint
COMMENT ON COLUMN public.connector_credentials.checksum IS '完整性校验';
--> statement-breakpoint
COMMENT ON COLUMN public.connector_credentials.rotated_at IS '最近轮换时间';
--> statement-breakpoint
COMMENT ON COLUMN public.connector_credentials.rotated_by IS '操作人';
--> statement-breakpoint
-- On a Supabase deploy, Supabase's own channel public:connector_credentials works too.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime') THEN
    ALTER PUBLICATION supabase_realtime ADD TABLE public.connector_credentials;
  END IF;
END
$$;
--> statement-breakpoint
-- Keys travel only as bound parameters; keep parameter values out of the server log even under
-- log_statement = 'all'. These are superuser settings: where the migrating role may not set them
-- (Supabase's postgres role) the operator must set them (see README, "Operations").
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET log_parameter_max_length = 0', current_database());
  EXECUTE format('ALTER DATABASE %I SET log_parameter_max_length_on_error = 0', current_database());
EXCEPTION WHEN insufficient_privilege THEN
  RAISE WARNING 'could not limit parameter logging on %: set log_parameter_max_length = 0 and log_parameter_max_length_on_error = 0 as a superuser', current_database();
END
$$;
