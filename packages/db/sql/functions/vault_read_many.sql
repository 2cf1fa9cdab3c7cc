-- Batch read (docs/ARCHITECTURE.md, "Batch read"): up to 100 connectors of the caller's company in
-- one statement, set-based: the request context is entered once, the version of every connector
-- at `stage` (current, pending or previous) is found by one query under the seed's RLS policies
-- (a deleted version is reported as `deleted`, not read), each is opened as a single read
-- opens it (checksum first, then decryption), and their `read` (or `integrity_failure`) events
-- are recorded by one call of the recorder, with the request's id. A connector that fails is
-- reported in its row (`failure`: not_found, deleted, unknown_key, checksum_mismatch, undecryptable)
-- without failing the others; another company's connector is not found, exactly like a missing
-- one. Duplicate ids are read once; rows come in the order first asked.
CREATE OR REPLACE FUNCTION public.vault_read_many(claims text, connectors uuid[], stage text,
  kids text, enc_keys text, mac_keys text, request_id text, audit_reads boolean)
RETURNS TABLE (connector_id uuid, id uuid, company_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, secret_json text, failure text, stage_now text,
  expires_at timestamptz)
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM public.vault_enter(claims, 'authenticated');
  IF pg_catalog.cardinality(connectors) > 100 THEN
    RAISE EXCEPTION 'at most 100 connectors a batch' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  WITH asked AS (
    SELECT u.c, pg_catalog.min(u.n) AS n
    FROM pg_catalog.unnest(connectors) WITH ORDINALITY AS u(c, n) GROUP BY u.c
  ), targets AS (
    SELECT ic.id AS c, ic.current_version, ic.pending_version, ic.previous_version,
      CASE stage WHEN 'pending' THEN ic.pending_version WHEN 'previous' THEN ic.previous_version
        ELSE ic.current_version END AS v
    FROM public.integration_connectors ic WHERE ic.id = ANY (connectors)
  ), located AS (
    SELECT t.*, cc AS r FROM targets t
    JOIN public.connector_credentials cc ON cc.connector_id = t.c AND cc.version = t.v
  ), opened AS MATERIALIZED (
    SELECT a.c, a.n, (f.r).id AS id, (f.r).company_id AS company_id, (f.r).version AS version,
      (f.r).rotated_at AS rotated_at, (f.r).rotated_by AS rotated_by, o.secret_json, o.failure,
      public.vault_stage_of((f.r).version, f.current_version, f.pending_version,
        f.previous_version) AS stage_now,
      l.expires_at, d.credential_id IS NOT NULL AS deleted
    FROM asked a
    LEFT JOIN located f ON f.c = a.c
    LEFT JOIN LATERAL public.vault_open(f.r, kids, enc_keys, mac_keys) o ON (f.r).id IS NOT NULL
    LEFT JOIN public.connector_credential_lifecycle l ON l.credential_id = (f.r).id
    LEFT JOIN targets t ON t.c = a.c AND (f.r).id IS NULL
    LEFT JOIN public.connector_credential_lifecycle d
      ON d.connector_id = t.c AND d.version = t.v AND d.deleted_at IS NOT NULL
  ), recorded AS (
    SELECT public.vault_record_events(pg_catalog.array_agg(o.c), pg_catalog.array_agg(o.id),
      pg_catalog.array_agg(o.version),
      pg_catalog.array_agg(CASE WHEN o.failure IS NULL THEN 'read' ELSE 'integrity_failure' END),
      request_id) AS n
    FROM opened o WHERE o.id IS NOT NULL AND (o.failure IS NOT NULL OR audit_reads)
  )
  SELECT o.c, o.id, o.company_id, o.version, o.rotated_at, o.rotated_by, o.secret_json,
    CASE WHEN o.deleted THEN 'deleted' WHEN o.id IS NULL THEN 'not_found' ELSE o.failure END,
    o.stage_now, o.expires_at
  FROM opened o CROSS JOIN recorded
  ORDER BY o.n;
END
$$;
