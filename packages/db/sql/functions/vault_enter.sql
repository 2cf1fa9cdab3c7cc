-- Enters a request's context: when called by the API's login (a member of authenticator, before
-- any switch), takes the given verified claims and the operation's role, transaction-locally.
-- Called already as `as_role` (a caller's own request transaction, or PostgREST), it keeps the
-- claims that transaction carries and ignores the argument. Anyone else is refused. With the
-- claims it keeps what they say, parsed once, for the claim readers (current_company_id, has_role,
-- current_user_id), bound to the claims' text.
CREATE OR REPLACE FUNCTION public.vault_enter(claims text, as_role text) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  parsed record;
BEGIN
  IF as_role NOT IN ('authenticated', 'service_role') THEN
    RAISE EXCEPTION 'unsupported request role' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF pg_catalog.pg_has_role(current_user, 'authenticator', 'MEMBER') THEN
    PERFORM pg_catalog.set_config('request.jwt.claims', claims, true),
      pg_catalog.set_config('role', as_role, true);
    parsed := public.vault_parse_claims();
    PERFORM pg_catalog.set_config('vault.claims_company', coalesce(parsed.company::text, ''), true),
      pg_catalog.set_config('vault.claims_roles', parsed.roles::text, true),
      pg_catalog.set_config('vault.claims_user', coalesce(parsed.user_id::text, ''), true),
      pg_catalog.set_config('vault.claims_for', claims, true);
  ELSIF current_user <> as_role THEN
    RAISE EXCEPTION 'not allowed to act as %', as_role USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$$;
