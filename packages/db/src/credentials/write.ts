// Writing credentials: rotations (new versions), retention, and destruction of versions.
import {
  checksumKidSql,
  checksumUnderSql,
  encryptSql,
  IntegrityError,
  type Keyring,
  keyringTableSql,
  undecryptable,
  verifiedDecryptSql,
} from "@vibot/crypto";
import { type SQL, sql } from "drizzle-orm";
import type { Transaction } from "../client";
import { type Operation, runInTransaction } from "../operation";
import { CredentialError, refusedByGuard } from "./errors";
import {
  type CredentialVersion,
  credentialColumns,
  metadataColumns,
  type RawCredentialVersion,
  storedColumns,
  toCredentialVersion,
} from "./metadata";

export interface NewVersion {
  connectorId: string;
  /** The secret's JSON text; encrypted in the database, never logged. */
  secretJson: string;
  rotatedBy: string;
  /** Check-and-set against the newest existing version; 0 means "only if none exists". */
  expectedVersion?: number | undefined;
  /** Versions kept per connector; older ones go in the same transaction. */
  maxVersions: number;
}

/** A rollback: a new version whose secret is that of `version`, re-encrypted inside the database. */
export interface RollbackVersion extends Omit<NewVersion, "secretJson"> {
  version: number;
}

type WrittenRow = (RawCredentialVersion | { [K in keyof RawCredentialVersion]: null }) & {
  currentVersion: number | null;
  sourceFound: boolean;
  sourceKidKnown: boolean;
  sourceVerified: boolean;
};

/**
 * Writes the next version of the caller's connector, in two statements:
 *
 * 1. Lock the connector's row. Concurrent rotations of one connector queue here; rotations of
 *    other connectors do not wait.
 * 2. Once the lock is held — so this statement's snapshot sees every earlier rotation — check the
 *    expected version, bump `last_credential_version` (the highest version ever written, so
 *    numbers are never reused after versions are destroyed), encrypt the source's plaintext,
 *    insert with its checksum, and prune past `maxVersions`. A failed check writes nothing and
 *    bumps nothing.
 *
 * The source (`src`) is the request's secret, or for a rollback an earlier version verified and
 * decrypted in the same statement: its plaintext never leaves the database.
 */
function nextVersionOperation(
  keyring: Keyring,
  input: Omit<NewVersion, "secretJson">,
  source: SQL,
): Operation<CredentialVersion> {
  const { connectorId, expectedVersion } = input;
  const key = keyring.active;
  const expected =
    expectedVersion === undefined
      ? sql``
      : sql`and coalesce((select version from current), 0) = ${expectedVersion}`;
  const s = credentialColumns("s");
  return {
    role: "service_role",
    queueKey: connectorId,
    statements: [
      // Load-bearing for isolation: service_role bypasses RLS and integration_connectors has none;
      // this filter keeps the lock (and so the write) on the caller's own connector.
      sql`select id from public.integration_connectors
        where id = ${connectorId} and company_id = (select public.current_company_id())
        for update`,
      sql`with src as (${source}), current as (
          select max(version) as version from public.connector_credentials where connector_id = ${connectorId}
        ), next as (
          update public.integration_connectors
          set last_credential_version = last_credential_version + 1
          where id = ${connectorId} and company_id = (select public.current_company_id()) ${expected}
            and (select plaintext from src) is not null
          returning company_id, last_credential_version as version
        ), s as (
          select company_id, ${connectorId}::uuid as connector_id, version, ${input.rotatedBy}::uuid as rotated_by,
            ${encryptSql(sql`(select plaintext from src)`, key)} as secret_ciphertext
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
        select ${metadataColumns}, (select version from current) as "currentVersion",
          (select found from src) as "sourceFound", (select kid_known from src) as "sourceKidKnown",
          (select plaintext is not null from src) as "sourceVerified"
        from (select 1) as one left join c on true`,
    ],
    interpret([locked = [], written = []]) {
      if (locked.length === 0) throw new CredentialError("not_found", "connector not found");
      const [row] = written as WrittenRow[];
      if (!row || row.id === null) {
        if (!row?.sourceFound)
          throw new CredentialError("not_found", "credential version not found");
        if (!row.sourceKidKnown) throw new IntegrityError("unknown_key");
        if (!row.sourceVerified) throw new IntegrityError("checksum_mismatch");
        const current = row.currentVersion ?? 0;
        throw new CredentialError(
          "version_conflict",
          `expected version ${expectedVersion}, current is ${current}`,
        );
      }
      const {
        currentVersion: _,
        sourceFound: __,
        sourceKidKnown: ___,
        sourceVerified: ____,
        ...version
      } = row as RawCredentialVersion & Omit<WrittenRow, keyof RawCredentialVersion>;
      return toCredentialVersion(version);
    },
    mapError: (error) => undecryptable(error) ?? refusedByGuard(error),
  };
}

/** A rotation: the next version of the caller's connector holds `input.secretJson`. */
export function writeCredentialVersionOperation(
  keyring: Keyring,
  input: NewVersion,
): Operation<CredentialVersion> {
  return nextVersionOperation(
    keyring,
    input,
    sql`select ${input.secretJson}::text as plaintext, true as found, true as kid_known`,
  );
}

/** A rollback: the next version holds the secret of `input.version`, verified before decryption. */
export function rollbackCredentialVersionOperation(
  keyring: Keyring,
  input: RollbackVersion,
): Operation<CredentialVersion> {
  return nextVersionOperation(
    keyring,
    input,
    sql`select c.id is not null as found, k.kid is not null as kid_known,
        ${verifiedDecryptSql(storedColumns, "k")} as plaintext
      from (select 1) as one
      left join public.connector_credentials c on c.connector_id = ${input.connectorId}
        and c.version = ${input.version}
        -- service_role bypasses RLS. What confines the source to the caller's company is the lock
        -- statement's company filter (tested) plus the (connector_id, company_id) foreign key;
        -- this filter repeats it so that the source query stands on its own.
        and c.company_id = (select public.current_company_id())
      left join ${keyringTableSql(keyring, "k")} on k.kid = ${checksumKidSql(sql`c.checksum`)}`,
  );
}

/** writeCredentialVersionOperation inside an open transaction. */
export const writeCredentialVersion = (tx: Transaction, keyring: Keyring, input: NewVersion) =>
  runInTransaction(tx, writeCredentialVersionOperation(keyring, input));

/**
 * Destroys one version (or, without `version`, every version) of the caller's connector. Like
 * every change it needs an acting user of the company, even when there is nothing to destroy.
 */
export function destroyCredentialVersionsOperation(
  connectorId: string,
  actor: string,
  version?: number,
): Operation<number> {
  const which = version === undefined ? sql`` : sql`and c.version = ${version}`;
  return {
    role: "service_role",
    queueKey: connectorId,
    statements: [
      // Load-bearing for isolation (service_role bypasses RLS): only the caller's connector.
      sql`with ic as (
          select id from public.integration_connectors
          where id = ${connectorId} and company_id = (select public.current_company_id())
        ), actor as (
          select exists (select 1 from public.users
            where id = ${actor}::uuid and company_id = (select public.current_company_id())) as known
        ), d as (
          delete from public.connector_credentials c using ic
          where c.connector_id = ic.id ${which} and (select known from actor)
          returning c.id
        )
        select (select count(*) from ic)::int as connectors, (select known from actor) as "actorKnown",
          (select count(*) from d)::int as destroyed`,
    ],
    interpret([rows = []]) {
      const [result] = rows as { connectors: number; actorKnown: boolean; destroyed: number }[];
      if (!result?.connectors) throw new CredentialError("not_found", "connector not found");
      if (!result.actorKnown)
        throw new CredentialError("forbidden", "the token subject is not a user of this company");
      if (version !== undefined && result.destroyed === 0) {
        throw new CredentialError("not_found", "credential version not found");
      }
      return result.destroyed;
    },
    mapError: refusedByGuard,
  };
}
