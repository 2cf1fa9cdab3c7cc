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

/** Select-list of the metadata of `connector_credentials` aliased `c`, the same on both drivers. */
export const metadataColumns = sql`c.id, c.company_id as "companyId", c.connector_id as "connectorId",
  c.version, to_char(c.rotated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "rotatedAt",
  c.rotated_by as "rotatedBy"`;

/** The checksum-covered columns of `connector_credentials` aliased `c`. */
export const storedColumns = {
  companyId: sql`c.company_id`,
  connectorId: sql`c.connector_id`,
  version: sql`c.version`,
  ciphertext: sql`c.secret_ciphertext`,
  checksum: sql`c.checksum`,
};
