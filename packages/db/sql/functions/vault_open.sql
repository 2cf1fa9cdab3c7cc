-- A stored version opened with the keyring: its plaintext, or why not — unknown_key,
-- checksum_mismatch (verified in constant time before any decryption) or undecryptable (pgcrypto
-- refused although the checksum verified). The one place both request-door functions open a row.
CREATE OR REPLACE FUNCTION public.vault_open(r public.connector_credentials, kids text,
  enc_keys text, mac_keys text, OUT secret_json text, OUT failure text)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  kid text := pg_catalog.split_part(r.checksum, ':', 2);
  i integer := pg_catalog.array_position(pg_catalog.string_to_array(kids, ','), kid);
BEGIN
  IF i IS NULL THEN
    failure := 'unknown_key';
    RETURN;
  END IF;
  BEGIN
    secret_json := public.vault_verified_decrypt(r.checksum, r.company_id, r.connector_id,
      r.version, kid, r.secret_ciphertext, (pg_catalog.string_to_array(enc_keys, ','))[i],
      pg_catalog.decode((pg_catalog.string_to_array(mac_keys, ','))[i], 'hex'));
    IF secret_json IS NULL THEN
      failure := 'checksum_mismatch';
    END IF;
  EXCEPTION WHEN external_routine_invocation_exception THEN
    failure := 'undecryptable';
  END;
END
$$;
