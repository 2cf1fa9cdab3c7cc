// Writing credentials: rotations (new versions), retention, and destruction of versions.
import { IntegrityError, type Keyring, undecryptable } from "@vibot/crypto";
import { sql } from "drizzle-orm";
import type { Transaction } from "../database";
import { type Operation, runInTransaction } from "../operation";
import { CredentialError, refusedByGuard } from "./errors";
import { type CredentialVersion, type RawCredentialVersion, toCredentialVersion } from "./metadata";
import { type AuditContext, defaultAudit } from "./read";

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

/** What `public.vault_write_version` reports (sql/functions/vault_write_version.sql). */
type Outcome =
  | "written"
  | "connector_not_found"
  | "version_not_found"
  | "unknown_key"
  | "checksum_mismatch"
  | "undecryptable"
  | "version_conflict";

type WrittenRow = { [K in keyof RawCredentialVersion]: RawCredentialVersion[K] | null } & {
  currentVersion: number | null;
  outcome: Outcome;
};

/**
 * Writes the next version of the caller's connector in one call of the request door's write
 * function, as `service_role` behind the guard. It locks the connector's row (concurrent writers
 * of one connector queue there; other connectors do not wait), checks the expected version, bumps
 * `last_credential_version` (the highest version ever written, so numbers are never reused after
 * versions are destroyed), encrypts, inserts with its checksum and prunes past `maxVersions`. A
 * failed check writes nothing and bumps nothing.
 *
 * The secret is the request's (`secretJson`), or for a rollback (`sourceVersion`) an earlier
 * version verified and decrypted in the same call: its plaintext never leaves the database.
 */
function nextVersionOperation(
  keyring: Keyring,
  input: Omit<NewVersion, "secretJson">,
  source: { secretJson: string } | { sourceVersion: number },
  audit: AuditContext,
): Operation<CredentialVersion> {
  const { connectorId, expectedVersion } = input;
  const { kids, encKeys, macKeys } = keyring.toParameters();
  const secretJson = "secretJson" in source ? source.secretJson : null;
  const sourceVersion = "sourceVersion" in source ? source.sourceVersion : null;
  return {
    role: "service_role",
    queueKey: connectorId,
    body: {
      call: (claims) =>
        sql`select id, company_id as "companyId", connector_id as "connectorId", version,
          rotated_at as "rotatedAt", rotated_by as "rotatedBy",
          current_version as "currentVersion", outcome
          from public.vault_write_version(${claims}, ${connectorId}, ${secretJson}::text,
            ${sourceVersion}::int, ${expectedVersion ?? null}::int, ${input.rotatedBy}::uuid,
            ${input.maxVersions}::int, ${keyring.active.kid}, ${kids}, ${encKeys}, ${macKeys},
            ${audit.requestId}::text, ${audit.reads})`,
    },
    written: sql`r.outcome = 'written'`,
    interpret([rows = []]) {
      const [row] = rows as unknown as WrittenRow[];
      switch (row?.outcome) {
        case "written": {
          const { currentVersion: _, outcome: __, ...version } = row;
          return toCredentialVersion(version as RawCredentialVersion);
        }
        case "version_not_found":
          throw new CredentialError("not_found", "credential version not found");
        case "unknown_key":
          throw new IntegrityError("unknown_key");
        case "checksum_mismatch":
          throw new IntegrityError("checksum_mismatch");
        case "undecryptable":
          throw new IntegrityError("undecryptable");
        case "version_conflict":
          throw new CredentialError(
            "version_conflict",
            `expected version ${expectedVersion}, current is ${row.currentVersion ?? 0}`,
          );
        default:
          throw new CredentialError("not_found", "connector not found");
      }
    },
    mapError: (error) => undecryptable(error) ?? refusedByGuard(error),
  };
}

/** A rotation: the next version of the caller's connector holds `input.secretJson`. */
export function writeCredentialVersionOperation(
  keyring: Keyring,
  input: NewVersion,
  audit: AuditContext = defaultAudit,
): Operation<CredentialVersion> {
  return nextVersionOperation(keyring, input, { secretJson: input.secretJson }, audit);
}

/** A rollback: the next version holds the secret of `input.version`, verified before decryption. */
export function rollbackCredentialVersionOperation(
  keyring: Keyring,
  input: RollbackVersion,
  audit: AuditContext = defaultAudit,
): Operation<CredentialVersion> {
  return nextVersionOperation(keyring, input, { sourceVersion: input.version }, audit);
}

/** writeCredentialVersionOperation inside an open transaction. */
export const writeCredentialVersion = (tx: Transaction, keyring: Keyring, input: NewVersion) =>
  runInTransaction(tx, writeCredentialVersionOperation(keyring, input));

/**
 * Destroys one version (or, without `version`, every version) of the caller's connector, with a
 * `destroy` event per version. Like every change it needs an acting user of the company, even
 * when there is nothing to destroy.
 */
export function destroyCredentialVersionsOperation(
  connectorId: string,
  actor: string,
  version?: number,
  audit: AuditContext = defaultAudit,
): Operation<number> {
  const which = version === undefined ? sql`` : sql`and c.version = ${version}`;
  return {
    role: "service_role",
    queueKey: connectorId,
    body: {
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
          returning c.id, c.company_id, c.connector_id, c.version
        ), events as (
          -- One destroy event per destroyed version, in the same transaction (the audit ledger).
          select public.vault_record_event(d.connector_id, d.id, d.version, 'destroy',
            ${audit.requestId}::text) as id
          from d
        )
        select (select count(*) from events)::int as recorded, (select count(*) from ic)::int as connectors, (select known from actor) as "actorKnown",
          (select count(*) from d)::int as destroyed`,
      ],
    },
    written: sql`r.destroyed > 0`,
    interpret([rows = []]) {
      const [result] = rows as {
        recorded: number;
        connectors: number;
        actorKnown: boolean;
        destroyed: number;
      }[];
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
