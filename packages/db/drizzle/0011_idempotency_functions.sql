-- Idempotent POSTs (SPEC §11; the table is migration 0010): only service_role reaches the keys,
-- through two request-door functions. A key lives 24 h; a request that failed leaves none.
ALTER TABLE public.idempotency_keys FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE ALL ON public.idempotency_keys FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
GRANT SELECT, INSERT, DELETE ON public.idempotency_keys TO service_role;
--> statement-breakpoint
-- The caller's company's live entry for a key (none when absent), after dropping an expired one.
CREATE OR REPLACE FUNCTION public.vault_recall_request(claims text, idempotency_key text)
RETURNS TABLE (request_digest text, result jsonb)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  company uuid;
BEGIN
  PERFORM public.vault_enter(claims, 'service_role');
  company := public.current_company_id();
  -- Load-bearing for isolation (service_role bypasses RLS): only the caller's company's keys.
  DELETE FROM public.idempotency_keys k
  WHERE k.company_id = company AND k.key = idempotency_key
    AND k.created_at <= pg_catalog.now() - interval '24 hours';
  RETURN QUERY SELECT k.request_digest::text, k.result FROM public.idempotency_keys k
  WHERE k.company_id = company AND k.key = idempotency_key;
END
$$;
--> statement-breakpoint
-- Remembers a key with the request's digest and the operation's rows, in the operation's own
-- transaction. A racing repeat of the same key waits here on the first one's uncommitted row and
-- then fails with unique_violation, which rolls its whole transaction back (its write included);
-- the API then answers it from the first one's entry. Expired keys of the company go meanwhile.
CREATE OR REPLACE FUNCTION public.vault_remember_request(claims text, idempotency_key text,
  digest text, result jsonb)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
  company uuid;
BEGIN
  PERFORM public.vault_enter(claims, 'service_role');
  company := public.current_company_id();
  IF company IS NULL THEN
    RAISE EXCEPTION 'no company claim' USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO public.idempotency_keys (company_id, key, request_digest, result)
  VALUES (company, idempotency_key, digest, result);
  DELETE FROM public.idempotency_keys k
  WHERE k.company_id = company AND k.created_at <= pg_catalog.now() - interval '24 hours';
  RETURN true;
END
$$;
