-- Writes of the same moment in one statement: the request door commits them together (one WAL
-- flush for all their versions and events). Each runs exactly as vault_write_version runs it
-- alone, under its own claims: between two writes the login takes back its own role and clears
-- the claims, so a write whose context did not take acts for no company at all. Writes go in the
-- order of their connectors' ids, so that two such statements lock connectors in one order and
-- never deadlock; row `ordinal` answers write `ordinal` (its position in the arrays). Only the
-- request door's login may call it: a caller already in a request role is refused, since clearing
-- the role between writes would hand it the login's right to enter any claims.
CREATE OR REPLACE FUNCTION public.vault_write_versions(claims text[], connectors uuid[],
  secret_jsons text[], source_versions integer[], expecteds integer[], actors uuid[],
  max_versions integer, stages text[], expires_ats timestamptz[], active_kid text, kids text,
  enc_keys text, mac_keys text, request_ids text[], audit_reads boolean)
RETURNS TABLE (ordinal integer, id uuid, company_id uuid, connector_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, current_version integer, outcome text,
  purge_after timestamptz)
LANGUAGE plpgsql
AS $$
DECLARE
  n integer := pg_catalog.cardinality(connectors);
  i integer;
BEGIN
  IF NOT pg_catalog.pg_has_role(current_user, 'authenticator', 'MEMBER') THEN
    RAISE EXCEPTION 'only the request door writes in batches' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF pg_catalog.cardinality(claims) <> n OR pg_catalog.cardinality(secret_jsons) <> n
     OR pg_catalog.cardinality(source_versions) <> n OR pg_catalog.cardinality(expecteds) <> n
     OR pg_catalog.cardinality(actors) <> n OR pg_catalog.cardinality(stages) <> n
     OR pg_catalog.cardinality(expires_ats) <> n OR pg_catalog.cardinality(request_ids) <> n THEN
    RAISE EXCEPTION 'one claim, connector, secret, source, expected version, actor, stage, expiry and request id per write'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR i IN SELECT u.o::integer FROM unnest(connectors) WITH ORDINALITY AS u(c, o) ORDER BY u.c, u.o
  LOOP
    RETURN QUERY SELECT i, w.id, w.company_id, w.connector_id, w.version, w.rotated_at,
      w.rotated_by, w.current_version, w.outcome, w.purge_after
      FROM public.vault_write_version(claims[i], connectors[i], secret_jsons[i],
        source_versions[i], expecteds[i], actors[i], max_versions, stages[i], expires_ats[i],
        active_kid, kids, enc_keys, mac_keys, request_ids[i], audit_reads) w;
    PERFORM pg_catalog.set_config('role', 'none', true),
      pg_catalog.set_config('request.jwt.claims', '', true);
  END LOOP;
END
$$;
