-- Reads of the same moment in one statement: the request door commits them together (one WAL
-- flush for their events). Each runs exactly as vault_read_credential runs it alone, under its own
-- claims: between two reads the login takes back its own role and clears the claims, so a read
-- whose context did not take sees no company at all. Row `ordinal` answers read `ordinal`. Only
-- the request door's login may call it: a caller already in a request role is refused, since
-- clearing the role between reads would hand it the login's right to enter any claims.
CREATE OR REPLACE FUNCTION public.vault_read_credentials(claims text[], connectors uuid[],
  wanted integer[], stages text[], kids text, enc_keys text, mac_keys text, request_ids text[],
  audit_reads boolean)
RETURNS TABLE (ordinal integer, id uuid, company_id uuid, connector_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, secret_json text, connector_found boolean,
  failure text, stage_now text, expires_at timestamptz, purge_after timestamptz)
LANGUAGE plpgsql
AS $$
BEGIN
  IF NOT pg_catalog.pg_has_role(current_user, 'authenticator', 'MEMBER') THEN
    RAISE EXCEPTION 'only the request door reads in batches' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF pg_catalog.cardinality(claims) <> pg_catalog.cardinality(connectors)
     OR pg_catalog.cardinality(wanted) <> pg_catalog.cardinality(connectors)
     OR pg_catalog.cardinality(stages) <> pg_catalog.cardinality(connectors)
     OR pg_catalog.cardinality(request_ids) <> pg_catalog.cardinality(connectors) THEN
    RAISE EXCEPTION 'one claim, connector, version, stage and request id per read'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR i IN 1 .. pg_catalog.cardinality(connectors) LOOP
    RETURN QUERY SELECT i, r.id, r.company_id, r.connector_id, r.version, r.rotated_at,
      r.rotated_by, r.secret_json, r.connector_found, r.failure, r.stage_now, r.expires_at,
      r.purge_after
      FROM public.vault_read_credential(claims[i], connectors[i], wanted[i], stages[i], kids, enc_keys,
        mac_keys, request_ids[i], audit_reads) r;
    PERFORM pg_catalog.set_config('role', 'none', true),
      pg_catalog.set_config('request.jwt.claims', '', true);
  END LOOP;
END
$$;
