-- The request door's hot paths as functions: a current or versioned read, and a rotation or
-- rollback, each one statement that sets the request's claims and role transaction-locally and
-- then does its work (SPEC §4.2 allows exactly this). And the crypto contract's SQL in one home:
-- the checksum, its constant-time verification, encryption with its constant options.
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
--> statement-breakpoint
-- The newest version (wanted NULL) or version `wanted` of the caller's connector, verified and
-- decrypted, as `authenticated` under RLS. No row: connector_found says which 404 it is.
CREATE OR REPLACE FUNCTION public.vault_read_credential(claims text, connector uuid,
  wanted integer, kids text, enc_keys text, mac_keys text)
RETURNS TABLE (id uuid, company_id uuid, connector_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, kid_known boolean, secret_json text,
  connector_found boolean)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  r public.connector_credentials;
  i integer;
BEGIN
  PERFORM public.vault_enter(claims, 'authenticated');
  IF wanted IS NULL THEN
    -- RLS (the seed's policy) keeps the read inside the caller's company.
    SELECT c.* INTO r FROM public.connector_credentials c
    WHERE c.connector_id = connector ORDER BY c.version DESC LIMIT 1;
  ELSE
    SELECT c.* INTO r FROM public.connector_credentials c
    WHERE c.connector_id = connector AND c.version = wanted;
  END IF;
  IF NOT FOUND THEN
    -- RLS ("Connectors visible to their company") hides another company's connector.
    connector_found := EXISTS (SELECT 1 FROM public.integration_connectors ic WHERE ic.id = connector);
    RETURN NEXT;
    RETURN;
  END IF;
  id := r.id; company_id := r.company_id; connector_id := r.connector_id; version := r.version;
  rotated_at := r.rotated_at; rotated_by := r.rotated_by; connector_found := true;
  i := pg_catalog.array_position(pg_catalog.string_to_array(kids, ','), pg_catalog.split_part(r.checksum, ':', 2));
  kid_known := i IS NOT NULL;
  IF kid_known THEN
    secret_json := public.vault_verified_decrypt(r.checksum, r.company_id, r.connector_id,
      r.version, pg_catalog.split_part(r.checksum, ':', 2),
      r.secret_ciphertext, (pg_catalog.string_to_array(enc_keys, ','))[i],
      pg_catalog.decode((pg_catalog.string_to_array(mac_keys, ','))[i], 'hex'));
  END IF;
  RETURN NEXT;
END
$$;
--> statement-breakpoint
-- Writes the next version of the caller's connector, as `service_role` behind the guard: its
-- secret is `secret_json`, or for a rollback (`source_version`) that version's, verified and
-- decrypted here so that it never leaves the database. The connector's row lock queues writers
-- of one connector; `last_credential_version` numbers versions, never reused; `expected` is
-- check-and-set against the newest existing version (0: none); past `max_versions` the oldest go.
-- `outcome` says what happened: written, connector_not_found, version_not_found, unknown_key,
-- checksum_mismatch or version_conflict (nothing written but in the first case).
CREATE OR REPLACE FUNCTION public.vault_write_version(claims text, connector uuid,
  secret_json text, source_version integer, expected integer, actor uuid, max_versions integer,
  active_kid text, kids text, enc_keys text, mac_keys text)
RETURNS TABLE (id uuid, company_id uuid, connector_id uuid, version integer,
  rotated_at timestamptz, rotated_by uuid, current_version integer, outcome text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  kid_list text[] := pg_catalog.string_to_array(kids, ',');
  enc_list text[] := pg_catalog.string_to_array(enc_keys, ',');
  mac_list text[] := pg_catalog.string_to_array(mac_keys, ',');
  company uuid;
  src public.connector_credentials;
  written public.connector_credentials;
  plaintext text := secret_json;
  next_version integer;
  ciphertext bytea;
  i integer;
BEGIN
  PERFORM public.vault_enter(claims, 'service_role');
  -- Load-bearing for isolation: service_role bypasses RLS; this keeps the lock, and so the
  -- write, on the caller's own connector (tested: cross-company 404 on every route).
  SELECT ic.company_id INTO company FROM public.integration_connectors ic
  WHERE ic.id = connector AND ic.company_id = (SELECT public.current_company_id())
  FOR UPDATE;
  IF NOT FOUND THEN
    outcome := 'connector_not_found';
    RETURN NEXT;
    RETURN;
  END IF;
  IF source_version IS NOT NULL THEN
    SELECT c.* INTO src FROM public.connector_credentials c
    WHERE c.connector_id = connector AND c.version = source_version AND c.company_id = company;
    IF NOT FOUND THEN
      outcome := 'version_not_found';
      RETURN NEXT;
      RETURN;
    END IF;
    i := pg_catalog.array_position(kid_list, pg_catalog.split_part(src.checksum, ':', 2));
    IF i IS NULL THEN
      outcome := 'unknown_key';
      RETURN NEXT;
      RETURN;
    END IF;
    plaintext := public.vault_verified_decrypt(src.checksum, src.company_id, src.connector_id,
      src.version, kid_list[i], src.secret_ciphertext, enc_list[i], pg_catalog.decode(mac_list[i], 'hex'));
    IF plaintext IS NULL THEN
      outcome := 'checksum_mismatch';
      RETURN NEXT;
      RETURN;
    END IF;
  END IF;
  SELECT max(c.version) INTO current_version FROM public.connector_credentials c
  WHERE c.connector_id = connector;
  IF expected IS NOT NULL AND coalesce(current_version, 0) <> expected THEN
    outcome := 'version_conflict';
    RETURN NEXT;
    RETURN;
  END IF;
  UPDATE public.integration_connectors ic SET last_credential_version = ic.last_credential_version + 1
  WHERE ic.id = connector RETURNING ic.last_credential_version INTO next_version;
  i := pg_catalog.array_position(kid_list, active_kid);
  ciphertext := public.vault_encrypt(plaintext, enc_list[i]);
  INSERT INTO public.connector_credentials AS c
    (company_id, connector_id, version, secret_ciphertext, checksum, rotated_by)
  VALUES (company, connector, next_version, ciphertext,
    public.vault_checksum(company, connector, next_version, active_kid, ciphertext, pg_catalog.decode(mac_list[i], 'hex')),
    actor)
  RETURNING c.* INTO written;
  DELETE FROM public.connector_credentials c
  WHERE c.connector_id = connector AND c.version <= (
    SELECT k.version FROM public.connector_credentials k WHERE k.connector_id = connector
    ORDER BY k.version DESC OFFSET max_versions LIMIT 1);
  id := written.id; company_id := written.company_id; connector_id := written.connector_id;
  version := written.version; rotated_at := written.rotated_at; rotated_by := written.rotated_by;
  outcome := 'written';
  RETURN NEXT;
END
$$;
