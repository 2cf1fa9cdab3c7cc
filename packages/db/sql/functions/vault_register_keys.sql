-- Registers the check values of keys not seen before (data kids in keyring_checks, ledger kids in
-- ledger_keys) and returns the stored value of every kid asked about; the caller refuses to start
-- when one differs from its own. Only the API's login may call it (not service_role, whose holders
-- hold no keys and so could only register a wrong value to block a kid before it is deployed).
CREATE OR REPLACE FUNCTION public.vault_register_keys(data_checks jsonb, ledger_checks jsonb)
RETURNS TABLE (kind text, kid text, check_value text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $$
#variable_conflict use_column
BEGIN
  INSERT INTO public.keyring_checks (kid, check_value)
  SELECT k.kid, k.check_value
  FROM pg_catalog.jsonb_to_recordset(data_checks) AS k(kid text, check_value text)
  ON CONFLICT DO NOTHING;
  INSERT INTO public.ledger_keys (kid, check_value)
  SELECT k.kid, k.check_value
  FROM pg_catalog.jsonb_to_recordset(ledger_checks) AS k(kid text, check_value text)
  ON CONFLICT DO NOTHING;
  RETURN QUERY
    SELECT 'data', c.kid::text, c.check_value::text FROM public.keyring_checks c
    WHERE c.kid IN (SELECT k.kid FROM pg_catalog.jsonb_to_recordset(data_checks) AS k(kid text))
    UNION ALL
    SELECT 'ledger', l.kid::text, l.check_value::text FROM public.ledger_keys l
    WHERE l.kid IN (SELECT k.kid FROM pg_catalog.jsonb_to_recordset(ledger_checks) AS k(kid text));
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_register_keys(jsonb, jsonb) OWNER TO vault_ledger;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.vault_register_keys(jsonb, jsonb) FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.vault_register_keys(jsonb, jsonb) TO authenticator;
