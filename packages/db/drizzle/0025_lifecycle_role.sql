-- The lifecycle jobs' own role (docs/ARCHITECTURE.md, "Version lifecycle"): it owns the purge and
-- reminder functions (security definer), which act for no request: they destroy versions whose
-- recovery window has ended and record reminders, in every company. The guard lets it delete
-- credential rows and nothing else. No role that the API or a tenant holds is a member; the
-- migrating role becomes one, as for vault_ledger (migration 0018), to own what it creates.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vault_lifecycle') THEN
    BEGIN CREATE ROLE vault_lifecycle NOLOGIN NOINHERIT; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  END IF;
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT vault_lifecycle TO %I', current_user);
  END IF;
EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
  RAISE WARNING 'could not grant vault_lifecycle to %; grant it as a superuser', current_user;
END
$$;
