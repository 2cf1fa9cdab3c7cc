-- The crypto contract's SQL in one home — the checksum, its constant-time verification,
-- encryption with its constant options — and the request door's way into a request context for
-- its one-statement functions (migration 0008 defines them, with the audit ledger they write).
--
-- The keyring travels as three parallel comma-separated text parameters (kids, encryption keys,
-- hex MAC keys): kids never contain a comma (KID_PATTERN) and keys are hex. Keys are parameters
-- only, never SQL text; sessions of the API plan with force_generic_plan, so no key becomes a
-- plan constant.

-- checksum = hmac-sha256:<kid>:<hex> over domain ‖ company ‖ connector ‖ version ‖ len(kid) ‖ kid
-- ‖ ciphertext (SPEC §5). Plain SQL, STABLE like convert_to: the planner inlines it (declared
-- IMMUTABLE, it would not be, and each call would cost a SQL-function execution, ~25 µs).
CREATE OR REPLACE FUNCTION public.vault_checksum(company uuid, connector uuid, version integer,
  kid text, ciphertext bytea, mac_key bytea) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT 'hmac-sha256:' || kid || ':' || encode(public.vault_hmac(
    decode('7669626f742e636f6e6e6563746f725f63726564656e7469616c732e636865636b73756d2e763100', 'hex')
      || uuid_send(company) || uuid_send(connector) || int4send(version)
      || int4send(octet_length(kid)) || convert_to(kid, 'UTF8') || ciphertext,
    mac_key, 'sha256'), 'hex')
$$;
--> statement-breakpoint
-- Whether a stored checksum is right, compared in constant time: SQL equality stops at the first
-- differing byte, so it compares HMACs of both sides under the MAC key (double-HMAC).
CREATE OR REPLACE FUNCTION public.vault_checksum_matches(stored text, company uuid, connector uuid,
  version integer, kid text, ciphertext bytea, mac_key bytea) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT coalesce(public.vault_hmac(convert_to(stored, 'UTF8'), mac_key, 'sha256')
    = public.vault_hmac(convert_to(public.vault_checksum(company, connector, version, kid, ciphertext, mac_key), 'UTF8'), mac_key, 'sha256'), false)
$$;
--> statement-breakpoint
-- The plaintext, decrypted only when the checksum verified first; NULL otherwise.
CREATE OR REPLACE FUNCTION public.vault_verified_decrypt(stored text, company uuid, connector uuid,
  version integer, kid text, ciphertext bytea, enc_key text, mac_key bytea) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN public.vault_checksum_matches(stored, company, connector, version, kid, ciphertext, mac_key)
    THEN public.vault_pgp_sym_decrypt(ciphertext, enc_key) END
$$;
--> statement-breakpoint
-- Encryption with the contract's constant options: random 256-bit keys, so salted S2K (mode 1,
-- a fresh salt per message) instead of the iterated default, and no compression.
CREATE OR REPLACE FUNCTION public.vault_encrypt(plaintext text, enc_key text) RETURNS bytea
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
AS $$
  SELECT public.vault_pgp_sym_encrypt(plaintext, enc_key, 'cipher-algo=aes256, s2k-mode=1, compress-algo=0')
$$;
--> statement-breakpoint
-- Enters a request's context: when called by the API's login (a member of authenticator, before
-- any switch), takes the given verified claims and the operation's role, transaction-locally.
-- Called already as `as_role` (a caller's own request transaction, or PostgREST), it keeps the
-- claims that transaction carries and ignores the argument. Anyone else is refused.
CREATE OR REPLACE FUNCTION public.vault_enter(claims text, as_role text) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  IF as_role NOT IN ('authenticated', 'service_role') THEN
    RAISE EXCEPTION 'unsupported request role' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF pg_catalog.pg_has_role(current_user, 'authenticator', 'MEMBER') THEN
    PERFORM pg_catalog.set_config('request.jwt.claims', claims, true),
      pg_catalog.set_config('role', as_role, true);
  ELSIF current_user <> as_role THEN
    RAISE EXCEPTION 'not allowed to act as %', as_role USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$$;
