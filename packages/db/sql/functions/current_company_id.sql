-- The caller's company, as the request's claims name it (vault_parse_claims). The RLS policies,
-- the guard and the recorders ask for it on every request, and parsing the claims each time cost
-- a third of a read; so vault_enter, entering a request's context, keeps what the claims say with
-- the claims' text (`vault.claims_*`, transaction-locally), and this answers from that copy while
-- the claims are still that very text, and parses them otherwise (claims set by PostgREST, or by
-- anyone without vault_enter). Whoever could set those settings could set the claims themselves.
-- One expression with every name schema-qualified and no SET clause, so that the planner inlines
-- it into the policies' init plans; a caller's own operators or functions cannot take part
-- (docs/SECURITY.md, "The request's claims"). has_role and current_user_id are built the same way.
CREATE OR REPLACE FUNCTION public.current_company_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN pg_catalog.current_setting('vault.claims_for', true)
      OPERATOR(pg_catalog.=) pg_catalog.current_setting('request.jwt.claims', true)
    THEN CASE WHEN pg_catalog.current_setting('vault.claims_company', true) OPERATOR(pg_catalog.<>) ''
      THEN pg_catalog.current_setting('vault.claims_company', true)::pg_catalog.uuid END
    ELSE (public.vault_parse_claims()).company
  END
$$;
