// Reading many connectors' current secrets in one statement (sql/functions/vault_read_many.sql): each verified and
// decrypted as a single read is, each with its own audit event, each failure reported on its own.
import type { Keyring } from "@vibot/crypto";
import { sql } from "drizzle-orm";
import type { Transaction } from "../database";
import { type Operation, runInTransaction } from "../operation";
import {
  lifecycleOf,
  type RawCredentialVersion,
  type ReadStage,
  type Stage,
  toCredentialVersion,
} from "./metadata";
import { type AuditContext, type Credential, defaultAudit } from "./read";

/** The most connectors one batch reads. */
export const MAX_BATCH_READ = 100;

/** Why one connector of a batch was not read. */
export type BatchReadFailure = "not_found" | "deleted" | "integrity_check_failed";

export interface BatchRead {
  credentials: Credential[];
  /** In the order asked; another company's connector is `not_found`, exactly like a missing one. */
  errors: { connectorId: string; code: BatchReadFailure; reason?: string; credentialId?: string }[];
}

type Row = { [K in keyof RawCredentialVersion]: RawCredentialVersion[K] | null } & {
  askedFor: string;
  secretJson: string | null;
  failure: "not_found" | "deleted" | "unknown_key" | "checksum_mismatch" | "undecryptable" | null;
  stage: Stage | null;
  expiresAt: Date | string | null;
};

/**
 * The versions at `stage` (current unless asked) of up to MAX_BATCH_READ of the caller's
 * connectors (duplicates read once), as `authenticated` under RLS, in one call of
 * `vault_read_many`.
 */
export function readCredentialsOperation(
  keyring: Keyring,
  connectorIds: readonly string[],
  audit: AuditContext = defaultAudit,
  stage: ReadStage = "current",
): Operation<BatchRead> {
  if (connectorIds.length > MAX_BATCH_READ)
    throw new RangeError(`at most ${MAX_BATCH_READ} connectors a batch`);
  const { kids, encKeys, macKeys } = keyring.toParameters();
  return {
    role: "authenticated",
    body: {
      call: (claims) =>
        sql`select connector_id as "askedFor", id, company_id as "companyId",
          connector_id as "connectorId", version, rotated_at as "rotatedAt",
          rotated_by as "rotatedBy", secret_json as "secretJson", failure, stage_now as stage,
          expires_at as "expiresAt"
          from public.vault_read_many(${claims},
            array(select jsonb_array_elements_text(${JSON.stringify(connectorIds)}::text::jsonb)::uuid),
            ${stage}::text, ${kids}, ${encKeys}, ${macKeys}, ${audit.requestId}::text, ${audit.reads})`,
    },
    interpret([rows = []]) {
      const result: BatchRead = { credentials: [], errors: [] };
      for (const row of rows as unknown as Row[]) {
        if (row.failure === "deleted") {
          result.errors.push({ connectorId: row.askedFor, code: "deleted" });
        } else if (row.failure === "not_found" || row.id === null) {
          result.errors.push({ connectorId: row.askedFor, code: "not_found" });
        } else if (row.failure || row.secretJson === null) {
          result.errors.push({
            connectorId: row.askedFor,
            code: "integrity_check_failed",
            reason: row.failure ?? "checksum_mismatch",
            credentialId: row.id,
          });
        } else {
          result.credentials.push({
            ...toCredentialVersion(row as RawCredentialVersion),
            ...lifecycleOf(row.stage ?? "current", row.expiresAt),
            secretJson: row.secretJson,
          });
        }
      }
      return result;
    },
  };
}

/** readCredentialsOperation inside an open transaction (sibling apps: see the README). */
export const readCredentials = (
  tx: Transaction,
  keyring: Keyring,
  connectorIds: readonly string[],
  audit: AuditContext = defaultAudit,
  stage: ReadStage = "current",
) => runInTransaction(tx, readCredentialsOperation(keyring, connectorIds, audit, stage));
