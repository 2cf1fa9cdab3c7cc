-- Batch read (docs/ARCHITECTURE.md, "Batch read"): up to 100 connectors of the caller's company in
-- one statement, set-based: the request context is entered once, the newest version of every
-- connector is found by one query under the seed's RLS policy, each is opened as a single read
-- opens it (checksum first, then decryption), and their `read` (or `integrity_failure`) events
-- are recorded by one call of the recorder, with the request's id. A connector that fails is
-- reported in its row (`failure`: not_found, unknown_key, checksum_mismatch, undecryptable)
-- without failing the others; another company's connector is not found, exactly like a missing
-- one. Duplicate ids are read once; rows come in the order first asked.
CREATE OR REPLACE FUNCTION public.vault_read_many(claims text, connectors uuid[], kids text, enc_keys text,
  mac_keys text, request_id text, audit_reads boolean)
RETURNS TABLE (connector_id uuid, id uuid, company_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, secret_json text, failure text)
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
  ), newest AS (
    SELECT DISTINCT ON (c.connector_id) c AS r FROM public.connector_credentials c
    WHERE c.connector_id = ANY (connectors) ORDER BY c.connector_id, c.version DESC
  ), opened AS MATERIALIZED (
    SELECT a.c, a.n, (w.r).id AS id, (w.r).company_id AS company_id, (w.r).version AS version,
      (w.r).rotated_at AS rotated_at, (w.r).rotated_by AS rotated_by, o.secret_json, o.failure
    FROM asked a
    LEFT JOIN newest w ON (w.r).connector_id = a.c
    LEFT JOIN LATERAL public.vault_open(w.r, kids, enc_keys, mac_keys) o ON (w.r).id IS NOT NULL
  ), recorded AS (
    SELECT public.vault_record_events(pg_catalog.array_agg(o.c), pg_catalog.array_agg(o.id),
      pg_catalog.array_agg(o.version),
      pg_catalog.array_agg(CASE WHEN o.failure IS NULL THEN 'read' ELSE 'integrity_failure' END),
      request_id) AS n
    FROM opened o WHERE o.id IS NOT NULL AND (o.failure IS NOT NULL OR audit_reads)
  )
  SELECT o.c, o.id, o.company_id, o.version, o.rotated_at, o.rotated_by, o.secret_json,
    CASE WHEN o.id IS NULL THEN 'not_found' ELSE o.failure END
  FROM opened o CROSS JOIN recorded
  ORDER BY o.n;
END
$$;
