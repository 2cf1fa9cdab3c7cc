// The crypto contract's SQL as Drizzle fragments. Keys only ever travel as bound parameters, and
// only to the schema-qualified functions of migrations 0005 and 0006 (`public.vault_*`, which call
// pgcrypto in the schema it is installed in): never to whatever `pgp_sym_encrypt` a role's
// search_path finds first.
import { type SQLWrapper, sql } from "drizzle-orm";
import { type ChecksumColumns, checksumSql } from "./checksum";
import { IntegrityError } from "./errors";
import type { KeyMaterial, Keyring } from "./keyring";

/**
 * The constant options of every encryption, as `public.vault_encrypt` (sql/functions/vault_encrypt.sql) fixes them
 * (a test holds the two together). The keys are random 256-bit values, so iterated S2K (mode 3)
 * adds no strength and costs ~0.2-1.3 ms per call; salted S2K (mode 1) still gives every message
 * a fresh salt. No compression (it leaks length information).
 */
export const ENCRYPTION_OPTIONS = "cipher-algo=aes256, s2k-mode=1, compress-algo=0";

/** `plaintext` encrypted under `key` (with ENCRYPTION_OPTIONS). */
export function encryptSql(plaintext: SQLWrapper | string, key: KeyMaterial) {
  return sql<Uint8Array>`public.vault_encrypt(${plaintext}::text, ${key.encryptionKey}::text)`;
}

/** The checksum of a row under `key`. */
export function checksumUnderSql(row: ChecksumColumns, key: KeyMaterial) {
  return checksumSql(row, sql`${key.kid}::text`, sql`decode(${key.macKey.toString("hex")}, 'hex')`);
}

/**
 * A derived table `alias(kid, enc, mac)` holding every key of the ring, to be joined on the kid
 * a row's checksum names (operator scans). One bound parameter, whatever the ring's size.
 */
export function keyringTableSql(keyring: Keyring, alias: string) {
  return sql`(select kid, enc, decode(mac, 'hex') as mac, decode(audit, 'hex') as audit from jsonb_to_recordset(${keyring.toSqlParameter()}::jsonb) as k(kid text, enc text, mac text, audit text)) as ${sql.identifier(alias)}`;
}

/** The kid a stored checksum names (`hmac-sha256:<kid>:<hex>`). */
export function checksumKidSql(checksum: SQLWrapper) {
  return sql<string>`split_part(${checksum}, ':', 2)`;
}

export interface StoredColumns extends ChecksumColumns {
  checksum: SQLWrapper;
}

const keyColumns = (keyAlias: string) => {
  const k = sql.identifier(keyAlias);
  return { kid: sql`${k}.kid`, enc: sql`${k}.enc`, mac: sql`${k}.mac` };
};

/** Whether a row's stored checksum matches, compared in constant time (double-HMAC, in SQL). */
export function checksumMatchesSql(row: StoredColumns, keyAlias: string) {
  const k = keyColumns(keyAlias);
  return sql<boolean>`public.vault_checksum_matches(${row.checksum}, ${row.companyId}, ${row.connectorId}, ${row.version}, ${k.kid}, ${row.ciphertext}, ${k.mac})`;
}

/** The plaintext of a row, decrypted only when its checksum verified first; NULL otherwise. */
export function verifiedDecryptSql(row: StoredColumns, keyAlias: string) {
  const k = keyColumns(keyAlias);
  return sql<
    string | null
  >`public.vault_verified_decrypt(${row.checksum}, ${row.companyId}, ${row.connectorId}, ${row.version}, ${k.kid}, ${row.ciphertext}, ${k.enc}, ${k.mac})`;
}

/** pgcrypto's words when a message does not decrypt under the key it was given. */
const PGCRYPTO_REFUSAL = "Wrong key or corrupt data";

/**
 * A database error that is pgcrypto refusing to decrypt, as an IntegrityError (the checksum
 * verified, yet the message would not open: still never a silent success); else undefined.
 */
export function undecryptable(error: unknown): IntegrityError | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.message.includes(PGCRYPTO_REFUSAL)) return new IntegrityError("undecryptable");
  }
  return undefined;
}
