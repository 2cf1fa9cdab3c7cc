-- Whether a stored checksum is right, compared in constant time: SQL equality stops at the first
-- differing byte, so it compares HMACs of both sides under the MAC key (double-HMAC).
CREATE OR REPLACE FUNCTION public.vault_checksum_matches(stored text, company uuid, connector uuid,
  version integer, kid text, ciphertext bytea, mac_key bytea) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT coalesce(public.vault_hmac(convert_to(stored, 'UTF8'), mac_key, 'sha256')
    = public.vault_hmac(convert_to(public.vault_checksum(company, connector, version, kid, ciphertext, mac_key), 'UTF8'), mac_key, 'sha256'), false)
$$;
