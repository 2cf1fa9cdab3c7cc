// Writing credentials: rotations (new versions), retention, and destruction of versions.
import { checksumUnderSql, encryptSql, type Keyring } from "@vibot/crypto";
import { sql } from "drizzle-orm";
import type { Transaction } from "../client";
import { type Operation, runInTransaction } from "../operation";
import { CredentialError } from "./errors";
import {
  type CredentialVersion,
  credentialColumns,
  metadataColumns,
  type RawCredentialVersion,
  toCredentialVersion,
} from "./metadata";

export interface NewVersion {
  connectorId: string;
  /** The secret's JSON text; encrypted in the database, never logged. */
  plaintext: string;
  rotatedBy: string;
  /** Check-and-set against the newest existing version; 0 means "only if none exists". */
  expectedVersion?: number | undefined;
  /** Versions kept per connector; older ones go in the same transaction. */
  maxVersions: number;
}

/**
 * Writes the next version of the caller's connector, in two statements:
 *
 * 1. Lock the connector's row. Concurrent rotations of one connector queue here; rotations of
 *    other connectors do not wait.
 * 2. Once the lock is held — so this statement's snapshot sees every earlier rotation — check the
 *    expected version, bump `last_credential_version` (the highest version ever written, so
 *    numbers are never reused after versions are destroyed), encrypt, insert with its checksum,
 *    and prune past `maxVersions`. A failed check writes nothing and bumps nothing.
 */
export function writeCredentialVersionOperation(
  keyring: Keyring,
  input: NewVersion,
): Operation<CredentialVersion> {
  const { connectorId, expectedVersion } = input;
  const key = keyring.active;
  const expected =
    expectedVersion === undefined
      ? sql``
      : sql`and coalesce((select version from current), 0) = ${expectedVersion}`;
  const s = credentialColumns("s");
  return {
    statements: [
      sql`select id from public.integration_connectors
        where id = ${connectorId} and company_id = (select public.current_company_id())
        for update`,
      sql`with current as (
          select max(version) as version from public.connector_credentials where connector_id = ${connectorId}
        ), next as (
          update public.integration_connectors
          set last_credential_version = last_credential_version + 1
          where id = ${connectorId} and company_id = (select public.current_company_id()) ${expected}
          returning company_id, last_credential_version as version
        ), s as (
          select company_id, ${connectorId}::uuid as connector_id, version, ${input.rotatedBy}::uuid as rotated_by,
            ${encryptSql(input.plaintext, key)} as secret_ciphertext
          from next offset 0
        ), c as (
          insert into public.connector_credentials
            (company_id, connector_id, version, secret_ciphertext, checksum, rotated_by)
          select company_id, connector_id, version, secret_ciphertext, ${checksumUnderSql(s, key)}, rotated_by
          from s
          returning *
        ), pruned as (
          delete from public.connector_credentials old
          where old.connector_id = ${connectorId} and exists (select 1 from c) and old.version <= (
            select version from public.connector_credentials
            where connector_id = ${connectorId}
            order by version desc offset ${input.maxVersions - 1} limit 1)
        )
        select ${metadataColumns}, (select version from current) as "currentVersion"
        from (select 1) as one left join c on true`,
    ],
    interpret([locked = [], written = []]) {
      if (locked.length === 0)
        throw new CredentialError("connector_not_found", "connector not found");
      const [row] = written as ((
        | RawCredentialVersion
        | { [K in keyof RawCredentialVersion]: null }
      ) & {
        currentVersion: number | null;
      })[];
      if (!row || row.id === null) {
        const current = row?.currentVersion ?? 0;
        throw new CredentialError(
          "version_conflict",
          `expected version ${expectedVersion}, current is ${current}`,
        );
      }
      const { currentVersion: _, ...version } = row as RawCredentialVersion & {
        currentVersion: number | null;
      };
      return toCredentialVersion(version);
    },
  };
}

/** writeCredentialVersionOperation inside an open transaction. */
export const writeCredentialVersion = (tx: Transaction, keyring: Keyring, input: NewVersion) =>
  runInTransaction(tx, writeCredentialVersionOperation(keyring, input));

/** Destroys one version (or, without `version`, every version) of the caller's connector. */
export function destroyCredentialVersionsOperation(
  connectorId: string,
  version?: number,
): Operation<number> {
  const which = version === undefined ? sql`` : sql`and c.version = ${version}`;
  return {
    statements: [
      sql`with ic as (
          select id from public.integration_connectors
          where id = ${connectorId} and company_id = (select public.current_company_id())
        ), d as (
          delete from public.connector_credentials c using ic
          where c.connector_id = ic.id ${which}
          returning c.id
        )
        select (select count(*) from ic)::int as connectors, (select count(*) from d)::int as destroyed`,
    ],
    interpret([rows = []]) {
      const [result] = rows as { connectors: number; destroyed: number }[];
      if (!result?.connectors)
        throw new CredentialError("connector_not_found", "connector not found");
      if (version !== undefined && result.destroyed === 0) {
        throw new CredentialError("version_not_found", "credential version not found");
      }
      return result.destroyed;
    },
  };
}
