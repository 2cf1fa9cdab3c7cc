-- chain MAC = ledger-v2:<kid>:<hex> over the previous chain MAC, the position and the seal.
CREATE OR REPLACE FUNCTION public.vault_ledger_link(prev_mac text, seq bigint, seal text,
  kid text, key bytea) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT 'ledger-v2:' || kid || ':' || encode(public.vault_hmac(convert_to(
    coalesce(prev_mac, '') || '|' || seq || '|' || seal, 'UTF8'), key, 'sha256'), 'hex')
$$;
