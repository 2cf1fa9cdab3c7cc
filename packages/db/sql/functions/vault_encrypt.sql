-- Encryption with the contract's constant options: random 256-bit keys, so salted S2K (mode 1,
-- a fresh salt per message) instead of the iterated default, and no compression.
CREATE OR REPLACE FUNCTION public.vault_encrypt(plaintext text, enc_key text) RETURNS bytea
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
AS $$
  SELECT public.vault_pgp_sym_encrypt(plaintext, enc_key, 'cipher-algo=aes256, s2k-mode=1, compress-algo=0')
$$;
