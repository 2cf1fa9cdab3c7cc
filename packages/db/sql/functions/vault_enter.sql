-- Enters a request's context: when called by the API's login (a member of authenticator, before
-- any switch), takes the given verified claims and the operation's role, transaction-locally.
-- Called already as `as_role` (a caller's own request transaction, or PostgREST), it keeps the
-- claims that transaction carries and ignores the argument. Anyone else is refused. With the
-- claims it keeps the company they name, for current_company_id().
CREATE OR REPLACE FUNCTION public.vault_enter(claims text, as_role text) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  IF as_role NOT IN ('authenticated', 'service_role') THEN
    RAISE EXCEPTION 'unsupported request role' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF pg_catalog.pg_has_role(current_user, 'authenticator', 'MEMBER') THEN
    PERFORM pg_catalog.set_config('request.jwt.claims', claims, true),
      pg_catalog.set_config('role', as_role, true);
    -- The company the claims name, kept with them for current_company_id() (parsed once here).
    PERFORM pg_catalog.set_config('vault.claims_company',
        coalesce(public.vault_claims_company()::text, ''), true),
      pg_catalog.set_config('vault.claims_company_for', claims, true);
  ELSIF current_user <> as_role THEN
    RAISE EXCEPTION 'not allowed to act as %', as_role USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$$;
