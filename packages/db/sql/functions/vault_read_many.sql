-- Batch read (docs/ARCHITECTURE.md, "Batch read"): up to 100 connectors of the caller's company in
-- one statement. The request context is entered once; each connector's newest version is read
-- under the seed's RLS policy, opened as a single read opens it (checksum first, then decryption)
-- and records its own `read` (or `integrity_failure`) event with the request's id. A connector
-- that fails is reported in its row (`failure`: not_found, unknown_key, checksum_mismatch,
-- undecryptable) without failing the others; another company's connector is not found, exactly
-- like a missing one. Duplicate ids are read once; rows come in the order first asked.
CREATE OR REPLACE FUNCTION public.vault_read_many(claims text, connectors uuid[], kids text, enc_keys text,
  mac_keys text, request_id text, audit_reads boolean)
RETURNS TABLE (connector_id uuid, id uuid, company_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, secret_json text, failure text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  wanted uuid;
  r public.connector_credentials;
BEGIN
  PERFORM public.vault_enter(claims, 'authenticated');
  IF pg_catalog.cardinality(connectors) > 100 THEN
    RAISE EXCEPTION 'at most 100 connectors a batch' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR wanted IN SELECT u.c FROM pg_catalog.unnest(connectors) WITH ORDINALITY AS u(c, n)
    GROUP BY u.c ORDER BY pg_catalog.min(u.n) LOOP
    connector_id := wanted;
    id := NULL; company_id := NULL; version := NULL; rotated_at := NULL; rotated_by := NULL;
    secret_json := NULL; failure := NULL;
    SELECT c.* INTO r FROM public.connector_credentials c
    WHERE c.connector_id = wanted ORDER BY c.version DESC LIMIT 1;
    IF NOT FOUND THEN
      failure := 'not_found';
      RETURN NEXT;
      CONTINUE;
    END IF;
    id := r.id; company_id := r.company_id; version := r.version;
    rotated_at := r.rotated_at; rotated_by := r.rotated_by;
    SELECT o.secret_json, o.failure INTO secret_json, failure
    FROM public.vault_open(r, kids, enc_keys, mac_keys) o;
    IF failure IS NOT NULL OR audit_reads THEN
      PERFORM public.vault_record_event(r.connector_id, r.id, r.version,
        CASE WHEN failure IS NULL THEN 'read' ELSE 'integrity_failure' END, request_id);
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;
