-- The ledger keys a caller presents (parallel comma-separated kids and hex keys), each checked
-- against its registered check value: a key that is not registered, or differs, is refused.
CREATE OR REPLACE FUNCTION public.vault_ledger_keys(kids text, keys text)
RETURNS TABLE (kid text, key bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
#variable_conflict use_column
DECLARE
  k record;
BEGIN
  FOR k IN
    SELECT u.kid, pg_catalog.decode(u.key, 'hex') AS key
    FROM ROWS FROM (pg_catalog.unnest(pg_catalog.string_to_array(kids, ',')),
      pg_catalog.unnest(pg_catalog.string_to_array(keys, ','))) AS u(kid, key)
  LOOP
    IF NOT EXISTS (SELECT 1 FROM public.ledger_keys l WHERE l.kid = k.kid
      AND l.check_value = pg_catalog.encode(public.vault_hmac(
        pg_catalog.convert_to('vibot.ledger.key-check.v1', 'UTF8'), k.key, 'sha256'), 'hex')) THEN
      RAISE EXCEPTION 'ledger key % is not the registered one', k.kid
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    kid := k.kid;
    key := k.key;
    RETURN NEXT;
  END LOOP;
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_ledger_keys(text, text) OWNER TO vault_ledger;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.vault_ledger_keys(text, text) FROM PUBLIC, anon, authenticated, service_role;
