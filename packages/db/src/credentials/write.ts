// Writing credentials: rotations (new versions), retention, and destruction of versions.
import { IntegrityError, type Keyring, undecryptable } from "@vibot/crypto";
import { type SQL, sql } from "drizzle-orm";
import { DatabaseUnavailableError } from "../availability";
import type { Transaction } from "../database";
import { type BatchedCall, type Operation, runInTransaction } from "../operation";
import { CredentialError, deletedVersion, refusedByGuard } from "./errors";
import {
  type CredentialVersion,
  type RawCredentialVersion,
  type Stage,
  toCredentialVersion,
} from "./metadata";
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
  /** `pending` writes a version that `/current` does not return until it is promoted. */
  stage?: "current" | "pending" | undefined;
  /** When the secret expires (ISO 8601, in the future): information, not enforcement. */
  expiresAt?: string | undefined;
}

/** A written version: its metadata and the stage it was written at. */
export interface WrittenVersion extends CredentialVersion {
  stage: Extract<Stage, "current" | "pending">;
}

/** A rollback: a new version whose secret is that of `version`, re-encrypted inside the database. */
export interface RollbackVersion extends Omit<NewVersion, "secretJson"> {
  version: number;
}

/** What `public.vault_write_version` reports (sql/functions/vault_write_version.sql). */
type Outcome =
  | "written"
  | "busy"
  | "connector_not_found"
  | "version_not_found"
  | "deleted"
  | "expiry_not_future"
  | "unknown_key"
  | "checksum_mismatch"
  | "undecryptable"
  | "version_conflict";

type WrittenRow = { [K in keyof RawCredentialVersion]: RawCredentialVersion[K] | null } & {
  currentVersion: number | null;
  outcome: Outcome;
  purgeAfter: Date | string | null;
};

/** The columns of a write's row (`vault_write_version`, and per write `vault_write_versions`). */
const writtenColumns =
  sql.raw(`id, company_id as "companyId", connector_id as "connectorId", version,
  rotated_at as "rotatedAt", rotated_by as "rotatedBy",
  current_version as "currentVersion", outcome, purge_after as "purgeAfter"`);

/** What is a write's own: its arguments to `vault_write_version` but the shared ones. */
interface OwnArguments {
  connectorId: string;
  secretJson: string | null;
  sourceVersion: number | null;
  expectedVersion: number | null;
  rotatedBy: string;
  stage: "current" | "pending";
  expiresAt: string | null;
  requestId: string | null;
}

/** What every write of one statement shares: versions kept, the keyring, the audit setting. */
interface SharedArguments {
  maxVersions: number;
  activeKid: string;
  kids: string;
  encKeys: string;
  macKeys: string;
  auditReads: boolean;
}

/** A rotation or rollback in its batched form (sql/functions/vault_write_versions.sql). */
class CredentialWrite implements BatchedCall {
  readonly key: string;
  constructor(
    readonly own: OwnArguments,
    readonly shared: SharedArguments,
  ) {
    this.key = `vault_write_versions\n${JSON.stringify(shared)}`;
  }

  /** The write alone: one call of `vault_write_version`, which waits for its connector's lock. */
  alone(claims: SQL): SQL {
    const { connectorId, secretJson, sourceVersion, expectedVersion, rotatedBy } = this.own;
    const { stage, expiresAt, requestId } = this.own;
    const { maxVersions, activeKid, kids, encKeys, macKeys, auditReads } = this.shared;
    return sql`select ${writtenColumns}
          from public.vault_write_version(${claims}, ${connectorId}, ${secretJson}::text,
            ${sourceVersion}::int, ${expectedVersion}::int, ${rotatedBy}::uuid,
            ${maxVersions}::int, ${stage}::text, ${expiresAt}::timestamptz,
            ${activeKid}, ${kids}, ${encKeys}, ${macKeys}, ${requestId}::text,
            ${auditReads})`;
  }

  /** In a batch, a write does not wait for a connector locked elsewhere: `busy`, not written. */
  skipped(rows: readonly Record<string, unknown>[]): boolean {
    return rows[0]?.outcome === "busy";
  }

  /**
   * Several writes in one statement, each exactly as `vault_write_version` runs it alone, under
   * its own claims, in the order of their connectors (one lock order for every such statement);
   * its implicit transaction commits them all with one WAL flush. Every write must share this
   * one's key.
   */
  together(calls: readonly { claims: string; call: BatchedCall }[]): SQL {
    const parts = calls.map(({ claims, call }) => {
      if (!(call instanceof CredentialWrite) || call.key !== this.key)
        throw new Error("writes committed together share one keyring and retention");
      return { claims, ...call.own };
    });
    const { maxVersions, activeKid, kids, encKeys, macKeys, auditReads } = this.shared;
    // One array parameter per column (a bare array would become a list of parameters).
    const each = <T>(pick: (p: (typeof parts)[number]) => T) => sql.param(parts.map(pick));
    return sql`select ordinal, ${writtenColumns}
          from public.vault_write_versions(${each((p) => p.claims)}::text[],
            ${each((p) => p.connectorId)}::uuid[], ${each((p) => p.secretJson)}::text[],
            ${each((p) => p.sourceVersion)}::int[], ${each((p) => p.expectedVersion)}::int[],
            ${each((p) => p.rotatedBy)}::uuid[], ${maxVersions}::int, ${each((p) => p.stage)}::text[],
            ${each((p) => p.expiresAt)}::timestamptz[], ${activeKid}, ${kids}, ${encKeys},
            ${macKeys}, ${each((p) => p.requestId)}::text[], ${auditReads})`;
  }
}

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
): Operation<WrittenVersion> {
  const stage = input.stage ?? "current";
  const { connectorId, expectedVersion } = input;
  const { kids, encKeys, macKeys } = keyring.toParameters();
  const write = new CredentialWrite(
    {
      connectorId,
      secretJson: "secretJson" in source ? source.secretJson : null,
      sourceVersion: "sourceVersion" in source ? source.sourceVersion : null,
      expectedVersion: expectedVersion ?? null,
      rotatedBy: input.rotatedBy,
      stage,
      expiresAt: input.expiresAt ?? null,
      requestId: audit.requestId,
    },
    {
      maxVersions: input.maxVersions,
      activeKid: keyring.active.kid,
      kids,
      encKeys,
      macKeys,
      auditReads: audit.reads,
    },
  );
  return {
    role: "service_role",
    queueKey: connectorId,
    together: write,
    body: { call: (claims) => write.alone(claims) },
    written: sql`r.outcome = 'written'`,
    interpret([rows = []]) {
      const [row] = rows as unknown as WrittenRow[];
      switch (row?.outcome) {
        case "written":
          return { ...toCredentialVersion(row as RawCredentialVersion), stage };
        case "busy":
          // Only in a batch, which the door sends again alone (it waits for the lock there).
          throw new DatabaseUnavailableError("lock_timeout");
        case "version_not_found":
          throw new CredentialError("not_found", "credential version not found");
        case "deleted":
          throw deletedVersion(row.purgeAfter);
        case "expiry_not_future":
          throw new CredentialError("bad_request", "expiresAt must be in the future");
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
): Operation<WrittenVersion> {
  return nextVersionOperation(keyring, input, { secretJson: input.secretJson }, audit);
}

/** A rollback: the next version holds the secret of `input.version`, verified before decryption. */
export function rollbackCredentialVersionOperation(
  keyring: Keyring,
  input: RollbackVersion,
  audit: AuditContext = defaultAudit,
): Operation<WrittenVersion> {
  return nextVersionOperation(keyring, input, { sourceVersion: input.version }, audit);
}

/** writeCredentialVersionOperation inside an open transaction. */
export const writeCredentialVersion = (tx: Transaction, keyring: Keyring, input: NewVersion) =>
  runInTransaction(tx, writeCredentialVersionOperation(keyring, input));
