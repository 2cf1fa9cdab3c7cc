// The metadata of a credential version, as every read and write returns it (never the secret).
import { sql } from "drizzle-orm";

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
 * Where a version stands in its connector's life (docs/ARCHITECTURE.md, "Version lifecycle"):
 * what `/current` returns, a staged version awaiting promotion, the one current before the last
 * change of current, any other kept version, or a deleted one awaiting its purge.
 */
export const stages = ["current", "pending", "previous", "retained", "deleted"] as const;
export type Stage = (typeof stages)[number];
/** The stages a read may ask for by name. */
export type ReadStage = "current" | "pending" | "previous";

/** What the lifecycle adds to a version's metadata. */
export interface Lifecycle {
  stage: Stage;
  /** ISO 8601, UTC; information, not enforcement. */
  expiresAt: string | null;
  /** Whether `expiresAt` has passed (the secret still reads). */
  expired: boolean;
}

/** The lifecycle fields from a row's stage and expiry, the expiry judged by `now`. */
export function lifecycleOf(
  stage: Stage,
  expiresAt: Date | string | null,
  now = Date.now(),
): Lifecycle {
  const expiry = expiresAt === null ? null : isoOf(expiresAt);
  return { stage, expiresAt: expiry, expired: expiry !== null && Date.parse(expiry) <= now };
}

/** ISO 8601 UTC text of a timestamp as a driver returns it (a Date; text from JSON). */
export const isoOf = (timestamp: Date | string) => new Date(timestamp).toISOString();

/** A metadata row as selected by `metadataColumns`: the timestamp as the driver parsed it. */
export type RawCredentialVersion = Omit<CredentialVersion, "rotatedAt"> & {
  rotatedAt: Date | string;
};

/** Select-list of the metadata of `connector_credentials` aliased `c`. */
export const metadataColumns = sql`c.id, c.company_id as "companyId", c.connector_id as "connectorId",
  c.version, c.rotated_at as "rotatedAt", c.rotated_by as "rotatedBy"`;

/** Converts a selected metadata row to the shape every caller sees. */
export function toCredentialVersion(row: RawCredentialVersion): CredentialVersion {
  // Fields named one by one: the same answer in the same order, whatever the row's key order
  // (an idempotent replay reads it back from JSONB, which orders keys its own way).
  return {
    id: row.id,
    companyId: row.companyId,
    connectorId: row.connectorId,
    version: row.version,
    rotatedAt: isoOf(row.rotatedAt),
    rotatedBy: row.rotatedBy,
  };
}

/**
 * The checksum-covered columns (and the checksum) of a row source aliased `alias` whose columns
 * carry the table's names: the table itself, or a derived table about to be inserted.
 */
export function credentialColumns(alias: string) {
  const column = (name: string) => sql`${sql.identifier(alias)}.${sql.identifier(name)}`;
  return {
    companyId: column("company_id"),
    connectorId: column("connector_id"),
    version: column("version"),
    ciphertext: column("secret_ciphertext"),
    checksum: column("checksum"),
  };
}

/** The stored columns of `connector_credentials` aliased `c`. */
export const storedColumns = credentialColumns("c");
