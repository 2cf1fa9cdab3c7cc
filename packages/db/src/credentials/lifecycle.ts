// A version's life after it is written (docs/ARCHITECTURE.md, "Version lifecycle"): promoting a
// pending version, deleting (restorable until the recovery window ends, or destroyed at once),
// restoring, the expiring list, and the two jobs the API runs under advisory locks (the purge of
// versions whose window ended, and expiry reminders). Every rule lives in the database functions
// named here (sql/functions/); these operations only call them and read their outcomes.
import { sql } from "drizzle-orm";
import type { Operation } from "../operation";
import { CredentialError, deletedVersion, refusedByGuard } from "./errors";
import {
  type CredentialVersion,
  isoOf,
  type RawCredentialVersion,
  type Stage,
  toCredentialVersion,
} from "./metadata";
import { type AuditContext, defaultAudit } from "./read";

/** Interval text for PostgreSQL from milliseconds (exact: microseconds are its resolution). */
const interval = (ms: number) => `${Math.round(ms * 1000)} microseconds`;

/** The outcomes the lifecycle functions share, as the caller's errors. */
function refusal(outcome: string | undefined, message: string): CredentialError {
  switch (outcome) {
    case "version_not_found":
      return new CredentialError("not_found", "credential version not found");
    case "version_conflict":
      return new CredentialError("version_conflict", message);
    case "forbidden":
      return new CredentialError(
        "forbidden",
        "the token subject is not an admin user of this company",
      );
    default:
      return new CredentialError("not_found", "connector not found");
  }
}

const versionColumns = sql.raw(`id, company_id as "companyId", connector_id as "connectorId",
  version, rotated_at as "rotatedAt", rotated_by as "rotatedBy"`);

export interface DeleteOptions {
  /** One version; every version of the connector when absent. */
  version?: number | undefined;
  /** Destroy at once instead of keeping the versions restorable. */
  purge: boolean;
  /** How long a deleted version stays restorable (CREDENTIALS_RECOVERY_WINDOW); 0 destroys. */
  recoveryWindowMs: number;
}

/**
 * Deletes one version (or every version) of the caller's connector, as `service_role`: restorable
 * until the recovery window ends (a `delete` event each), or destroyed at once with `purge` or a
 * zero window (a `destroy` event each). Deleting the current version makes the newest remaining
 * one current. Resolves to how many versions it deleted.
 */
export function deleteCredentialVersionsOperation(
  connectorId: string,
  options: DeleteOptions,
  audit: AuditContext = defaultAudit,
): Operation<number> {
  return {
    role: "service_role",
    queueKey: connectorId,
    body: {
      call: (claims) =>
        sql`select changed, outcome, purge_after as "purgeAfter"
          from public.vault_delete_versions(${claims}, ${connectorId},
            ${options.version ?? null}::int, ${options.purge}, ${interval(options.recoveryWindowMs)}::interval,
            ${audit.requestId}::text)`,
    },
    written: sql`r.outcome = 'done'`,
    interpret([rows = []]) {
      const [row] = rows as { changed: number | null; outcome: string; purgeAfter: Date | null }[];
      if (row?.outcome === "deleted") throw deletedVersion(row.purgeAfter);
      if (row?.outcome !== "done") throw refusal(row?.outcome, "");
      return row.changed ?? 0;
    },
    mapError: refusedByGuard,
  };
}

/** A promoted or restored version: its metadata and where it now stands. */
export interface StagedVersion extends CredentialVersion {
  stage: Stage;
}

/**
 * Makes pending version `version` of the caller's connector current, as `service_role`; the
 * current one becomes previous. Not the pending version, or `expectedVersion` not the current
 * one: version_conflict (of two concurrent promotes, one wins).
 */
export function promoteCredentialVersionOperation(
  connectorId: string,
  version: number,
  expectedVersion?: number,
  audit: AuditContext = defaultAudit,
): Operation<StagedVersion> {
  return {
    role: "service_role",
    queueKey: connectorId,
    body: {
      call: (claims) =>
        sql`select ${versionColumns}, current_version as "currentVersion",
            pending_version as "pendingVersion", outcome
          from public.vault_promote(${claims}, ${connectorId}, ${version}::int,
            ${expectedVersion ?? null}::int, ${audit.requestId}::text)`,
    },
    written: sql`r.outcome = 'promoted'`,
    interpret([rows = []]) {
      const [row] = rows as (RawCredentialVersion & {
        currentVersion: number | null;
        pendingVersion: number | null;
        outcome: string;
      })[];
      if (row?.outcome === "promoted") return { ...toCredentialVersion(row), stage: "current" };
      throw refusal(
        row?.outcome,
        expectedVersion !== undefined && row?.currentVersion !== expectedVersion
          ? `expected version ${expectedVersion}, current is ${row?.currentVersion ?? 0}`
          : `version ${version} is not pending (pending: ${row?.pendingVersion ?? "none"})`,
      );
    },
    mapError: refusedByGuard,
  };
}

/**
 * Restores deleted version `version` of the caller's connector within its recovery window, as
 * `service_role`: readable again, current only if the connector had none. Not deleted:
 * version_conflict; purged or never written: not_found.
 */
export function restoreCredentialVersionOperation(
  connectorId: string,
  version: number,
  audit: AuditContext = defaultAudit,
): Operation<StagedVersion & { expiresAt: string | null }> {
  return {
    role: "service_role",
    queueKey: connectorId,
    body: {
      call: (claims) =>
        sql`select ${versionColumns}, stage, expires_at as "expiresAt", outcome
          from public.vault_restore(${claims}, ${connectorId}, ${version}::int,
            ${audit.requestId}::text)`,
    },
    written: sql`r.outcome = 'restored'`,
    interpret([rows = []]) {
      const [row] = rows as (RawCredentialVersion & {
        stage: Stage;
        expiresAt: Date | string | null;
        outcome: string;
      })[];
      if (row?.outcome !== "restored")
        throw refusal(row?.outcome, `version ${version} is not deleted`);
      return {
        ...toCredentialVersion(row),
        stage: row.stage,
        expiresAt: row.expiresAt === null ? null : isoOf(row.expiresAt),
      };
    },
    mapError: refusedByGuard,
  };
}

/** A current version whose expiry is due. */
export interface ExpiringCredential {
  connectorId: string;
  version: number;
  expiresAt: string;
  expired: boolean;
}

/**
 * The caller's company's current versions that expire within `withinMs` or already did, soonest
 * first (as `authenticated`, under RLS on both tables).
 */
export function listExpiringOperation(withinMs: number): Operation<ExpiringCredential[]> {
  return {
    role: "authenticated",
    body: {
      statements: [
        sql`select l.connector_id as "connectorId", l.version, l.expires_at as "expiresAt",
            l.expires_at <= now() as expired
          from public.connector_credential_lifecycle l
          join public.integration_connectors ic
            on ic.id = l.connector_id and ic.current_version = l.version
          where l.company_id = (select public.current_company_id())
            and l.deleted_at is null
            and l.expires_at <= now() + ${interval(withinMs)}::interval
          order by l.expires_at, l.connector_id`,
      ],
    },
    interpret: ([rows = []]) =>
      (rows as unknown as (ExpiringCredential & { expiresAt: Date | string })[]).map((row) => ({
        connectorId: row.connectorId,
        version: row.version,
        expiresAt: isoOf(row.expiresAt),
        expired: row.expired,
      })),
  };
}

/** Versions a job handles per statement. */
export const LIFECYCLE_BATCH = 100;

/**
 * The purge job's step: destroys up to `batch` deleted versions whose recovery window ended by
 * `at`, in every company (the API's login, through vault_purge_due). Resolves to how many it
 * purged, or -1 when another process holds the purge lock.
 */
export function purgeDueOperation(at: Date, batch = LIFECYCLE_BATCH): Operation<number> {
  return {
    role: "authenticator",
    body: {
      statements: [
        sql`select public.vault_purge_due(${at.toISOString()}::timestamptz, ${batch}::int) as n`,
      ],
    },
    interpret: ([rows = []]) => Number((rows[0] as { n?: number } | undefined)?.n ?? 0),
  };
}

/**
 * The reminder job's step: records the due `expiring` and `expired` reminders of up to `batch`
 * current versions, each once per version, judged at `at` with the warning window `warningMs`.
 * Resolves to how many it recorded, or -1 when another process holds the reminder lock.
 */
export function remindDueOperation(
  at: Date,
  warningMs: number,
  batch = LIFECYCLE_BATCH,
): Operation<number> {
  return {
    role: "authenticator",
    body: {
      statements: [
        sql`select public.vault_remind_due(${at.toISOString()}::timestamptz,
          ${interval(warningMs)}::interval, ${batch}::int) as n`,
      ],
    },
    interpret: ([rows = []]) => Number((rows[0] as { n?: number } | undefined)?.n ?? 0),
  };
}
