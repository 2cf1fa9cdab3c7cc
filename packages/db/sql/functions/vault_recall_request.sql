-- The caller's live Idempotency-Key entry (company and sub), after dropping an expired one; none
-- for a caller who may not make the request (not an admin, or a sub that is not a company user).
CREATE OR REPLACE FUNCTION public.vault_recall_request(claims text, idempotency_key text)
RETURNS TABLE (request_digest text, result jsonb)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  company uuid;
  caller uuid;
BEGIN
  PERFORM public.vault_enter(claims, 'service_role');
  company := public.current_company_id();
  caller := public.current_user_id();
  IF company IS NULL OR NOT public.has_role('Vibot.admin')
     OR NOT EXISTS (SELECT 1 FROM public.users u WHERE u.id = caller AND u.company_id = company) THEN
    RETURN;
  END IF;
  -- Load-bearing for isolation (service_role bypasses RLS): only the caller's own keys.
  DELETE FROM public.idempotency_keys k
  WHERE k.company_id = company AND k.actor = caller AND k.key = idempotency_key
    AND k.created_at <= pg_catalog.now() - interval '24 hours';
  RETURN QUERY SELECT k.request_digest::text, k.result FROM public.idempotency_keys k
  WHERE k.company_id = company AND k.actor = caller AND k.key = idempotency_key;
END
$$;
