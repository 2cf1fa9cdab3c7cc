-- checksum = hmac-sha256:<kid>:<hex> over domain ‖ company ‖ connector ‖ version ‖ len(kid) ‖ kid
-- ‖ ciphertext (docs/ARCHITECTURE.md, "Design notes"). Plain SQL, STABLE like convert_to: the
-- planner inlines it (declared IMMUTABLE, it would not be, and each call would cost a
-- SQL-function execution, ~25 µs). Keys are parameters only, never SQL text.
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
