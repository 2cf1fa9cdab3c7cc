-- The ledger's own role (docs/SECURITY.md, rules: "The ledger"): it owns the recorder and the sequencer,
-- which are security definer, and is the only role that may insert or chain audit events. No
-- role that the API or a tenant holds is a member, so events are written only through those two
-- functions. The migrating role becomes a member (it must own the functions it creates; on
-- PostgreSQL 15 a non-superuser creator is not a member of the role it created).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vault_ledger') THEN
    BEGIN CREATE ROLE vault_ledger NOLOGIN NOINHERIT; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  END IF;
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT vault_ledger TO %I', current_user);
  END IF;
EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
  RAISE WARNING 'could not grant vault_ledger to %; grant it as a superuser', current_user;
END
$$;
