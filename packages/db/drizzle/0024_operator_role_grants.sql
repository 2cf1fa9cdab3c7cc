-- The operator's commands register and check key values as the API's login does (through
-- `authenticator`, the only role vault_register_keys admits): the migrating role, which runs them,
-- becomes a member of authenticator when it is not a superuser (as migration 0000 does for the API
-- roles). A superuser needs nothing.
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT authenticator TO %I', current_user);
  END IF;
EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
  RAISE WARNING 'could not grant authenticator to %; grant it as a superuser so that the operator commands can check keys', current_user;
END
$$;
