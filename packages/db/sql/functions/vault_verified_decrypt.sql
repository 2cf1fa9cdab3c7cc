-- The plaintext, decrypted only when the checksum verified first; NULL otherwise.
CREATE OR REPLACE FUNCTION public.vault_verified_decrypt(stored text, company uuid, connector uuid,
  version integer, kid text, ciphertext bytea, enc_key text, mac_key bytea) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN public.vault_checksum_matches(stored, company, connector, version, kid, ciphertext, mac_key)
    THEN public.vault_pgp_sym_decrypt(ciphertext, enc_key) END
$$;
