// Reading credentials: version lists (metadata only) and verified, decrypted secrets.
import { IntegrityError, type Keyring, undecryptable } from "@vibot/crypto";
import { sql } from "drizzle-orm";
import type { Transaction } from "../client";
import { type Operation, runInTransaction } from "../operation";
import { CredentialError } from "./errors";
import {
  type CredentialVersion,
  metadataColumns,
  type RawCredentialVersion,
  toCredentialVersion,
} from "./metadata";

/** A decrypted credential version: `secretJson` is the secret's JSON text as it was written. */
export interface Credential extends CredentialVersion {
  secretJson: string;
}

type NullableVersion = { [K in keyof RawCredentialVersion]: RawCredentialVersion[K] | null };

// Reads run as authenticated, under RLS on both tables, which already hides other companies' rows;
// the company filters in reads are for the planner, not for isolation.
const callerConnector = (connectorId: string) =>
  sql`ic.id = ${connectorId} and ic.company_id = (select public.current_company_id())`;

/** The caller's connector's versions, newest first; refused when the connector is not the caller's. */
export function listCredentialVersionsOperation(
  connectorId: string,
): Operation<CredentialVersion[]> {
  return {
    role: "authenticated",
    body: {
      statements: [
        sql`select ${metadataColumns}
        from public.integration_connectors ic
        left join public.connector_credentials c on c.connector_id = ic.id
        where ${callerConnector(connectorId)}
        order by c.version desc`,
      ],
    },
    interpret([rows = []]) {
      if (rows.length === 0) throw new CredentialError("not_found", "connector not found");
      return (rows as NullableVersion[])
        .filter((row): row is RawCredentialVersion => row.id !== null)
        .map(toCredentialVersion);
    },
  };
}

/** A row of `public.vault_read_credential` (migration 0006). */
interface ReadRow extends NullableVersion {
  kidKnown: boolean | null;
  secretJson: string | null;
  connectorFound: boolean | null;
}

/**
 * Reads the newest version (or `version`) of the caller's connector, in one call of the request
 * door's read function: as `authenticated` under RLS, its checksum verified (in constant time)
 * before pgp_sym_decrypt runs. A row that fails gives an IntegrityError.
 */
export function readCredentialOperation(
  keyring: Keyring,
  connectorId: string,
  version?: number,
): Operation<Credential> {
  const { kids, encKeys, macKeys } = keyring.toParameters();
  return {
    role: "authenticated",
    body: {
      call: (claims) =>
        sql`select id, company_id as "companyId", connector_id as "connectorId", version,
          rotated_at as "rotatedAt", rotated_by as "rotatedBy", kid_known as "kidKnown",
          secret_json as "secretJson", connector_found as "connectorFound"
          from public.vault_read_credential(${claims}, ${connectorId}, ${version ?? null},
            ${kids}, ${encKeys}, ${macKeys})`,
    },
    interpret([rows = []]) {
      const [row] = rows as unknown as ReadRow[];
      if (!row || row.id === null) {
        if (!row?.connectorFound) throw new CredentialError("not_found", "connector not found");
        throw new CredentialError("not_found", "credential version not found");
      }
      if (!row.kidKnown) throw new IntegrityError("unknown_key", row.id);
      if (row.secretJson === null) throw new IntegrityError("checksum_mismatch", row.id);
      const { kidKnown: _, secretJson, connectorFound: __, ...metadata } = row;
      return { ...toCredentialVersion(metadata as RawCredentialVersion), secretJson };
    },
    mapError: undecryptable,
  };
}

/** readCredentialOperation inside an open transaction. */
export const readCredential = (
  tx: Transaction,
  keyring: Keyring,
  connectorId: string,
  version?: number,
) => runInTransaction(tx, readCredentialOperation(keyring, connectorId, version));

/** The caller's company's versions written at or after `since`, oldest first (realtime replay). */
export function credentialVersionsSinceOperation(since: Date): Operation<CredentialVersion[]> {
  return {
    role: "authenticated",
    body: {
      statements: [
        sql`select ${metadataColumns} from public.connector_credentials c
        where c.company_id = (select public.current_company_id()) and c.rotated_at >= ${since.toISOString()}::timestamptz
        order by c.rotated_at, c.version limit 1000`,
      ],
    },
    interpret: ([rows = []]) => (rows as RawCredentialVersion[]).map(toCredentialVersion),
  };
}
