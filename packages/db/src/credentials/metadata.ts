// The metadata of a credential version, as every read and write returns it (never the secret).
import { type SQL, sql } from "drizzle-orm";

export interface CredentialVersion {
  id: string;
  companyId: string;
  connectorId: string;
  version: number;
  /** ISO 8601, UTC. */
  rotatedAt: string;
  rotatedBy: string | null;
}

/**
 * A timestamp as epoch milliseconds (float8): the same JS number on postgres.js and PGlite, and no
 * `:word` in the SQL text (pgbench would take a format like 'HH24:MI' for its variables).
 */
export const epochMs = (column: SQL) => sql`(extract(epoch from ${column}) * 1000)::float8`;

/** ISO 8601 UTC text of an epoch-milliseconds value. */
export const isoFromMs = (ms: number) => new Date(Math.floor(ms)).toISOString();

/** A metadata row as selected by `metadataColumns`. */
export type RawCredentialVersion = Omit<CredentialVersion, "rotatedAt"> & { rotatedAtMs: number };

/** Select-list of the metadata of `connector_credentials` aliased `c`, the same on both drivers. */
export const metadataColumns = sql`c.id, c.company_id as "companyId", c.connector_id as "connectorId",
  c.version, ${epochMs(sql`c.rotated_at`)} as "rotatedAtMs", c.rotated_by as "rotatedBy"`;

/** Converts a selected metadata row to the shape every caller sees. */
export function toCredentialVersion({
  rotatedAtMs,
  ...row
}: RawCredentialVersion): CredentialVersion {
  return { ...row, rotatedAt: isoFromMs(rotatedAtMs) };
}

/** The checksum-covered columns of `connector_credentials` aliased `c`. */
export const storedColumns = {
  companyId: sql`c.company_id`,
  connectorId: sql`c.connector_id`,
  version: sql`c.version`,
  ciphertext: sql`c.secret_ciphertext`,
  checksum: sql`c.checksum`,
};
