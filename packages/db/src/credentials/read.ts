// Reading credentials: version lists (metadata only) and verified, decrypted secrets.
import {
  checksumKidSql,
  IntegrityError,
  type Keyring,
  keyringTableSql,
  undecryptable,
  verifiedDecryptSql,
} from "@vibot/crypto";
import { sql } from "drizzle-orm";
import type { Transaction } from "../client";
import { type Operation, runInTransaction } from "../operation";
import { CredentialError } from "./errors";
import {
  type CredentialVersion,
  metadataColumns,
  type RawCredentialVersion,
  storedColumns,
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
    statements: [
      sql`select ${metadataColumns}
        from public.integration_connectors ic
        left join public.connector_credentials c on c.connector_id = ic.id
        where ${callerConnector(connectorId)}
        order by c.version desc`,
    ],
    interpret([rows = []]) {
      if (rows.length === 0) throw new CredentialError("not_found", "connector not found");
      return (rows as NullableVersion[])
        .filter((row): row is RawCredentialVersion => row.id !== null)
        .map(toCredentialVersion);
    },
  };
}

/**
 * Reads the newest version (or `version`) of the caller's connector. Its checksum is verified in
 * the same statement, before pgp_sym_decrypt runs; a row that fails gives an IntegrityError.
 */
export function readCredentialOperation(
  keyring: Keyring,
  connectorId: string,
  version?: number,
): Operation<Credential> {
  const which = version === undefined ? sql`` : sql`and c.version = ${version}`;
  return {
    role: "authenticated",
    statements: [
      // The connector is looked up only when no credential row is found: the CASE branch (and
      // its claim-function call) is not evaluated otherwise, which keeps the common read to the
      // calls the seed's policy makes itself.
      sql`select ${metadataColumns}, k.kid is not null as "kidKnown",
          ${verifiedDecryptSql(storedColumns, "k")} as plaintext,
          case when c.id is null then exists (
            select 1 from public.integration_connectors ic where ${callerConnector(connectorId)}
          ) end as "connectorFound"
        from (select 1) as one
        left join lateral (select * from public.connector_credentials c
          where c.connector_id = ${connectorId} and c.company_id = (select public.current_company_id()) ${which}
          order by c.version desc limit 1) c on true
        left join ${keyringTableSql(keyring, "k")} on k.kid = ${checksumKidSql(sql`c.checksum`)}`,
    ],
    interpret([rows = []]) {
      const [row] = rows as (NullableVersion & {
        kidKnown: boolean;
        plaintext: string | null;
        connectorFound: boolean | null;
      })[];
      if (!row || row.id === null) {
        if (!row?.connectorFound) throw new CredentialError("not_found", "connector not found");
        throw new CredentialError("not_found", "credential version not found");
      }
      if (!row.kidKnown) throw new IntegrityError("unknown_key", row.id);
      if (row.plaintext === null) throw new IntegrityError("checksum_mismatch", row.id);
      const {
        kidKnown: _,
        plaintext,
        connectorFound: __,
        ...metadata
      } = row as RawCredentialVersion & {
        kidKnown: boolean;
        plaintext: string;
        connectorFound: null;
      };
      return { ...toCredentialVersion(metadata), secretJson: plaintext };
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
    statements: [
      sql`select ${metadataColumns} from public.connector_credentials c
        where c.company_id = (select public.current_company_id()) and c.rotated_at >= ${since.toISOString()}::timestamptz
        order by c.rotated_at, c.version limit 1000`,
    ],
    interpret: ([rows = []]) => (rows as RawCredentialVersion[]).map(toCredentialVersion),
  };
}
