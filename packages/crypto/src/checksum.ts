// The `checksum` column: HMAC-SHA256 under the kid's MAC key over an unambiguous, domain-prefixed
// encoding of (company_id, connector_id, version, kid, ciphertext). Computed here and in SQL;
// a test holds the two to the same known answers.
import { createHmac, timingSafeEqual } from "node:crypto";
import { type SQLWrapper, sql } from "drizzle-orm";

export const CHECKSUM_ALGORITHM = "hmac-sha256";
/** Domain separation: these MACs can never be confused with any other use of the key. */
export const CHECKSUM_DOMAIN = "vibot.connector_credentials.checksum.v1\u0000";
const CHECKSUM_PATTERN = /^hmac-sha256:([A-Za-z0-9_.-]{1,32}):([0-9a-f]{64})$/;

/** What a checksum binds a ciphertext to. */
export interface ChecksumSubject {
  companyId: string;
  connectorId: string;
  version: number;
  kid: string;
  ciphertext: Uint8Array;
}

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll("-", ""), "hex");
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

/** The MACed message: domain ‖ company(16) ‖ connector(16) ‖ version(4) ‖ len(kid)(4) ‖ kid ‖ ciphertext. */
export function checksumMessage(subject: ChecksumSubject): Buffer {
  const kid = Buffer.from(subject.kid, "utf8");
  return Buffer.concat([
    Buffer.from(CHECKSUM_DOMAIN, "utf8"),
    uuidBytes(subject.companyId),
    uuidBytes(subject.connectorId),
    uint32(subject.version),
    uint32(kid.length),
    kid,
    subject.ciphertext,
  ]);
}

/** `hmac-sha256:<kid>:<64 hex>` for a subject under `macKey`. */
export function computeChecksum(macKey: Uint8Array, subject: ChecksumSubject): string {
  const mac = createHmac("sha256", macKey).update(checksumMessage(subject)).digest("hex");
  return `${CHECKSUM_ALGORITHM}:${subject.kid}:${mac}`;
}

/** The kid a stored checksum names, or undefined when the text is not a checksum of ours. */
export function checksumKid(checksum: string): string | undefined {
  return CHECKSUM_PATTERN.exec(checksum)?.[1];
}

/** Constant-time comparison of a stored checksum with the expected one. */
export function checksumsEqual(stored: string, expected: string): boolean {
  const a = Buffer.from(stored, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The row fields a checksum covers, as SQL expressions (columns of the caller's table). */
export interface ChecksumColumns {
  companyId: SQLWrapper;
  connectorId: SQLWrapper;
  version: SQLWrapper;
  ciphertext: SQLWrapper;
}

/**
 * SQL computing the same checksum as `computeChecksum`: `public.vault_checksum` (sql/functions/vault_checksum.sql),
 * the SQL side's one home of the encoding. `kid` and `macKey` are SQL expressions.
 */
export function checksumSql(row: ChecksumColumns, kid: SQLWrapper, macKey: SQLWrapper) {
  return sql<string>`public.vault_checksum(${row.companyId}, ${row.connectorId}, ${row.version}, ${kid}, ${row.ciphertext}, ${macKey})`;
}
