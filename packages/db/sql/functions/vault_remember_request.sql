-- Remembers a key under the caller (company and sub) with the request's digest and the write's
-- rows, in the write's own transaction. A racing repeat of the same key waits on the first one's
-- uncommitted row and then fails with unique_violation, rolling its whole transaction back.
CREATE OR REPLACE FUNCTION public.vault_remember_request(claims text, idempotency_key text,
  digest text, result jsonb)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
  company uuid;
  caller uuid;
BEGIN
  PERFORM public.vault_enter(claims, 'service_role');
  company := public.current_company_id();
  caller := public.current_user_id();
  IF company IS NULL OR caller IS NULL THEN
    RAISE EXCEPTION 'no company or subject claim' USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO public.idempotency_keys (company_id, actor, key, request_digest, result)
  VALUES (company, caller, idempotency_key, digest, result);
  DELETE FROM public.idempotency_keys k
  WHERE k.company_id = company AND k.created_at <= pg_catalog.now() - interval '24 hours';
  RETURN true;
END
$$;
