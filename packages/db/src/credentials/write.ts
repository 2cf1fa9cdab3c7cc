// Writing credentials: rotations (new versions), retention, and destruction of versions.
import { checksumUnderSql, encryptSql, type Keyring } from "@vibot/crypto";
import { sql } from "drizzle-orm";
import type { Transaction } from "../client";
import { queryRows } from "../rows";
import { CredentialError } from "./errors";
import {
  type CredentialVersion,
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
 * Writes the next version of the caller's connector. Bumping the connector's
 * `last_credential_version` takes its row lock, so concurrent rotations of one connector queue
 * there and each gets the next number; rotations of other connectors do not wait. Numbers are
 * never reused because the counter outlives destroyed versions.
 */
export async function writeCredentialVersion(
  tx: Transaction,
  keyring: Keyring,
  input: NewVersion,
): Promise<CredentialVersion> {
  const [next] = await queryRows<{ companyId: string; version: number }>(
    tx,
    sql`update public.integration_connectors
      set last_credential_version = last_credential_version + 1
      where id = ${input.connectorId} and company_id = (select public.current_company_id())
      returning company_id as "companyId", last_credential_version as version`,
  );
  if (!next) throw new CredentialError("connector_not_found", "connector not found");

  if (input.expectedVersion !== undefined) {
    // A new statement, hence a snapshot taken after the lock: it sees the previous holder's commit.
    const [current] = await queryRows<{ version: number | null }>(
      tx,
      sql`select max(version) as version from public.connector_credentials
        where connector_id = ${input.connectorId}`,
    );
    if ((current?.version ?? 0) !== input.expectedVersion) {
      throw new CredentialError(
        "version_conflict",
        `expected version ${input.expectedVersion}, current is ${current?.version ?? 0}`,
      );
    }
  }

  const key = keyring.active;
  const s = {
    companyId: sql`s.company_id`,
    connectorId: sql`s.connector_id`,
    version: sql`s.version`,
    ciphertext: sql`s.secret_ciphertext`,
  };
  const [written] = await queryRows<RawCredentialVersion>(
    tx,
    sql`with s as (
        select ${next.companyId}::uuid as company_id, ${input.connectorId}::uuid as connector_id,
          ${next.version}::int as version, ${input.rotatedBy}::uuid as rotated_by,
          ${encryptSql(input.plaintext, key)} as secret_ciphertext
        offset 0
      ), c as (
        insert into public.connector_credentials
          (company_id, connector_id, version, secret_ciphertext, checksum, rotated_by)
        select company_id, connector_id, version, secret_ciphertext, ${checksumUnderSql(s, key)}, rotated_by
        from s
        returning *
      ), pruned as (
        delete from public.connector_credentials old
        where old.connector_id = ${input.connectorId} and old.version <= (
          select version from public.connector_credentials
          where connector_id = ${input.connectorId}
          order by version desc offset ${input.maxVersions - 1} limit 1)
      )
      select ${metadataColumns} from c`,
  );
  if (!written) throw new Error("rotation inserted no row");
  return toCredentialVersion(written);
}

/** Destroys one version (or, without `version`, every version) of the caller's connector. */
export async function destroyCredentialVersions(
  tx: Transaction,
  connectorId: string,
  version?: number,
): Promise<number> {
  const which = version === undefined ? sql`` : sql`and c.version = ${version}`;
  const [result] = await queryRows<{ connectors: number; destroyed: number }>(
    tx,
    sql`with ic as (
        select id from public.integration_connectors
        where id = ${connectorId} and company_id = (select public.current_company_id())
      ), d as (
        delete from public.connector_credentials c using ic
        where c.connector_id = ic.id ${which}
        returning c.id
      )
      select (select count(*) from ic)::int as connectors, (select count(*) from d)::int as destroyed`,
  );
  if (!result?.connectors) throw new CredentialError("connector_not_found", "connector not found");
  if (version !== undefined && result.destroyed === 0) {
    throw new CredentialError("version_not_found", "credential version not found");
  }
  return result.destroyed;
}
