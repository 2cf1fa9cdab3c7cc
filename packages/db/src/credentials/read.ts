// Reading credentials: version lists (metadata only) and verified, decrypted secrets.
import { IntegrityError, type Keyring, undecryptable } from "@vibot/crypto";
import { type SQL, sql } from "drizzle-orm";
import type { Transaction } from "../database";
import { type BatchedCall, type Operation, runInTransaction } from "../operation";
import { CredentialError, deletedVersion } from "./errors";
import {
  type CredentialVersion,
  isoOf,
  type Lifecycle,
  lifecycleOf,
  type RawCredentialVersion,
  type ReadStage,
  type Stage,
  toCredentialVersion,
} from "./metadata";

/** A decrypted credential version: `secretJson` is the secret's JSON text as it was written. */
export interface Credential extends CredentialVersion, Lifecycle {
  secretJson: string;
}

/** A version as a listing shows it: metadata, stage, expiry, and for a deleted one its purge. */
export interface ListedVersion extends CredentialVersion, Lifecycle {
  /** When a deleted version is purged (ISO 8601); null unless deleted. */
  purgeAfter: string | null;
}

export interface VersionListing {
  /** Newest first, deleted versions included. */
  versions: ListedVersion[];
  currentVersion: number | null;
}

type NullableVersion = { [K in keyof RawCredentialVersion]: RawCredentialVersion[K] | null };

// Reads run as authenticated, under RLS on both tables, which already hides other companies' rows;
// the company filters in reads are for the planner, not for isolation.
const callerConnector = (connectorId: string) =>
  sql`ic.id = ${connectorId} and ic.company_id = (select public.current_company_id())`;

/**
 * The caller's connector's versions, newest first, each with its stage and expiry, deleted ones
 * (which the seed's table hides from admins) from their lifecycle rows; refused when the
 * connector is not the caller's.
 */
export function listCredentialVersionsOperation(connectorId: string): Operation<VersionListing> {
  return {
    role: "authenticated",
    body: {
      statements: [
        sql`select v.*, ic.current_version as "currentVersion"
        from public.integration_connectors ic
        left join lateral (
          select c.id, c.company_id as "companyId", c.connector_id as "connectorId", c.version,
            c.rotated_at as "rotatedAt", c.rotated_by as "rotatedBy",
            public.vault_stage_of(c.version, ic.current_version, ic.pending_version,
              ic.previous_version) as stage,
            l.expires_at as "expiresAt", null::timestamptz as "purgeAfter"
          from public.connector_credentials c
          left join public.connector_credential_lifecycle l on l.credential_id = c.id
          where c.connector_id = ic.id
          union all
          select l.credential_id, l.company_id, l.connector_id, l.version, l.rotated_at,
            l.rotated_by, 'deleted', l.expires_at, l.purge_after
          from public.connector_credential_lifecycle l
          where l.connector_id = ic.id and l.deleted_at is not null
        ) v on true
        where ${callerConnector(connectorId)}
        order by v.version desc`,
      ],
    },
    interpret([rows = []]) {
      if (rows.length === 0) throw new CredentialError("not_found", "connector not found");
      const listed = rows as (NullableVersion & {
        stage: Stage;
        expiresAt: Date | string | null;
        purgeAfter: Date | string | null;
        currentVersion: number | null;
      })[];
      return {
        currentVersion: listed[0]?.currentVersion ?? null,
        versions: listed
          .filter((row): row is typeof row & RawCredentialVersion => row.id !== null)
          .map((row) => ({
            ...toCredentialVersion(row),
            ...lifecycleOf(row.stage, row.expiresAt),
            purgeAfter: row.purgeAfter === null ? null : isoOf(row.purgeAfter),
          })),
      };
    },
  };
}

/** A row of `public.vault_read_credential` (sql/functions/vault_read_credential.sql). */
interface ReadRow extends NullableVersion {
  secretJson: string | null;
  connectorFound: boolean | null;
  failure: "unknown_key" | "checksum_mismatch" | "undecryptable" | "deleted" | null;
  stage: Stage | null;
  expiresAt: Date | string | null;
  purgeAfter: Date | string | null;
}

/**
 * The request's id for the audit ledger, and whether reads are recorded (CREDENTIALS_AUDIT_READS).
 * The actor is never passed: the recorder takes it from the request's claims.
 */
export interface AuditContext {
  requestId: string | null;
  reads: boolean;
}

/** The columns of a read's row (`vault_read_credential` and, per read, `vault_read_credentials`). */
const readColumns = sql.raw(`id, company_id as "companyId", connector_id as "connectorId", version,
  rotated_at as "rotatedAt", rotated_by as "rotatedBy", secret_json as "secretJson",
  connector_found as "connectorFound", failure, stage_now as stage, expires_at as "expiresAt",
  purge_after as "purgeAfter"`);

/** What every read of one statement shares: the keyring's parameters and the audit setting. */
interface Shared {
  kids: string;
  encKeys: string;
  macKeys: string;
  auditReads: boolean;
}

/** A current or versioned read in its batched form (sql/functions/vault_read_credentials.sql). */
class CredentialRead implements BatchedCall {
  readonly key: string;
  constructor(
    readonly connectorId: string,
    readonly version: number | null,
    readonly stage: ReadStage,
    readonly requestId: string | null,
    readonly shared: Shared,
  ) {
    this.key = `vault_read_credentials\n${JSON.stringify(shared)}`;
  }

  /**
   * Several reads in one statement, each exactly as `readCredentialOperation` runs it alone, each
   * under its own claims, in order; its implicit transaction commits all their audit events with
   * one WAL flush. Every read must share this one's key.
   */
  together(calls: readonly { claims: string; call: BatchedCall }[]): SQL {
    const parts = calls.map(({ claims, call: read }) => {
      if (!(read instanceof CredentialRead) || read.key !== this.key)
        throw new Error("reads committed together share one keyring and audit setting");
      return { claims, read };
    });
    const { kids, encKeys, macKeys, auditReads } = this.shared;
    // One array parameter per column (a bare array would become a list of parameters).
    const each = <T>(pick: (r: { claims: string; read: CredentialRead }) => T) =>
      sql.param(parts.map(pick));
    return sql`select ordinal, ${readColumns}
          from public.vault_read_credentials(${each((r) => r.claims)}::text[],
            ${each((r) => r.read.connectorId)}::uuid[], ${each((r) => r.read.version)}::int[],
            ${each((r) => r.read.stage)}::text[], ${kids}, ${encKeys}, ${macKeys}, ${each((r) => r.read.requestId)}::text[],
            ${auditReads})`;
  }
}

/** Operations run by code that records no request (sibling apps, tests): reads are audited. */
export const defaultAudit: AuditContext = { requestId: null, reads: true };

/**
 * Reads version `which` of the caller's connector, or the version at stage `which` (current when
 * omitted), in one call of the request door's read function: as `authenticated` under RLS, its
 * checksum verified (in constant time) before pgp_sym_decrypt runs, its `read` event (or
 * `integrity_failure`) recorded in the same transaction. A row that fails gives an
 * IntegrityError; a deleted version a `deleted` CredentialError with its purge time.
 */
export function readCredentialOperation(
  keyring: Keyring,
  connectorId: string,
  which: number | ReadStage = "current",
  audit: AuditContext = defaultAudit,
): Operation<Credential> {
  const { kids, encKeys, macKeys } = keyring.toParameters();
  const shared = { kids, encKeys, macKeys, auditReads: audit.reads };
  const version = typeof which === "number" ? which : null;
  const stage = typeof which === "number" ? "current" : which;
  return {
    role: "authenticated",
    together: new CredentialRead(connectorId, version, stage, audit.requestId, shared),
    body: {
      call: (claims) =>
        sql`select ${readColumns}
          from public.vault_read_credential(${claims}, ${connectorId}, ${version}::int,
            ${stage}::text, ${kids}, ${encKeys}, ${macKeys}, ${audit.requestId}::text,
            ${audit.reads})`,
    },
    interpret([rows = []]) {
      const [row] = rows as unknown as ReadRow[];
      if (row?.failure === "deleted") throw deletedVersion(row.purgeAfter);
      if (!row || row.id === null) {
        if (!row?.connectorFound) throw new CredentialError("not_found", "connector not found");
        throw new CredentialError("not_found", "credential version not found");
      }
      if (row.failure || row.secretJson === null)
        throw new IntegrityError(row.failure ?? "checksum_mismatch", row.id);
      return {
        ...toCredentialVersion(row as RawCredentialVersion),
        ...lifecycleOf(row.stage ?? "retained", row.expiresAt),
        secretJson: row.secretJson,
      };
    },
    mapError: undecryptable,
  };
}

/** readCredentialOperation inside an open transaction. */
export const readCredential = (
  tx: Transaction,
  keyring: Keyring,
  connectorId: string,
  which: number | ReadStage = "current",
  audit: AuditContext = defaultAudit,
) => runInTransaction(tx, readCredentialOperation(keyring, connectorId, which, audit));
