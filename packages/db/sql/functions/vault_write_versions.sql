-- Writes of the same moment in one statement: the request door commits them together (one WAL
-- flush for all their versions and events). Each runs exactly as vault_write_version runs it
-- alone, under its own claims: between two writes the login takes back its own role and clears
-- the claims, so a write whose context did not take acts for no company at all. Writes go in the
-- order of their connectors' ids, so that two such statements lock connectors in one order and
-- never deadlock; none waits for a connector locked by another transaction (its outcome is
-- `busy`, and the door sends it again alone, so that a lock held elsewhere never holds up the
-- others); row `ordinal` answers write `ordinal` (its position in the arrays). Only the
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
  w record;
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
  -- One pass over the arrays (a subscript walks a text array from its start each time).
  FOR w IN
    SELECT u.* FROM unnest(claims, connectors, secret_jsons, source_versions, expecteds, actors,
      stages, expires_ats, request_ids) WITH ORDINALITY
      AS u(claims, connector, secret_json, source_version, expected, actor, stage, expires_at,
        request_id, ordinal)
    ORDER BY u.connector, u.ordinal
  LOOP
    RETURN QUERY SELECT w.ordinal::integer, v.id, v.company_id, v.connector_id, v.version,
      v.rotated_at, v.rotated_by, v.current_version, v.outcome, v.purge_after
      FROM public.vault_write_version(w.claims, w.connector, w.secret_json, w.source_version,
        w.expected, w.actor, max_versions, w.stage, w.expires_at, active_kid, kids, enc_keys,
        mac_keys, w.request_id, audit_reads, false) v;
    PERFORM pg_catalog.set_config('role', 'none', true),
      pg_catalog.set_config('request.jwt.claims', '', true);
  END LOOP;
END
$$;
