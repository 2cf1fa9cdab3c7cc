// The audit ledger (SPEC §10): one row per read of a secret and per change, written in the same
// transaction as the operation, append-only for the API's roles, sealed with an HMAC under a
// keyring-derived audit key and chained by the sequencer (migration 0008). Never the secret,
// ciphertext or checksum.
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  pgPolicy,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { ADMIN_ROLE, authenticatedRole } from "./roles";

/** What an event records. */
export const auditActions = [
  "read",
  "rotate",
  "rollback",
  "destroy",
  "reencrypt",
  "integrity_failure",
] as const;
export type AuditAction = (typeof auditActions)[number];

const adminOfCompany = sql`company_id = (select public.current_company_id()) AND (select public.has_role(${sql.raw(`'${ADMIN_ROLE}'`)}))`;

export const connectorCredentialEvents = pgTable(
  "connector_credential_events",
  {
    /** Orders events; also the realtime stream's event ids. */
    id: bigint({ mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    /**
     * No foreign keys: the ledger outlives the connectors and versions it speaks of, and a key to
     * companies would make every event share-lock its company's row. A company's deletion still
     * takes its events (trigger `companies_delete_events`, migration 0009).
     */
    companyId: uuid().notNull(),
    connectorId: uuid(),
    credentialId: uuid(),
    version: integer(),
    action: text().notNull(),
    /** The token's sub; null for operator commands. */
    actor: uuid(),
    requestId: text(),
    occurredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** `hmac-sha256:<kid>:<hex>` over the event's fields under the kid's audit key. */
    seal: varchar({ length: 128 }).notNull(),
    /**
     * Position in the single chain, set once by the sequencer a moment after commit. Unique where
     * set: an event is recorded without one, so the index costs its insert nothing.
     */
    chainSeq: bigint({ mode: "number" }),
    /** `hmac-sha256:<kid>:<hex>` over the previous chain MAC, this position and this seal. */
    chainMac: varchar({ length: 128 }),
  },
  (t) => [
    check(
      "connector_credential_events_action_check",
      sql`${t.action} in (${sql.raw(auditActions.map((a) => `'${a}'`).join(", "))})`,
    ),
    // Ascending: each new event goes to the right end of its company's range (the B-tree's
    // append path, and pages split full), where a descending key made every insert split the
    // left end; GET /v1/audit reads it backwards, newest first, at the same cost.
    index("idx_connector_credential_events_company_id").on(t.companyId, t.id),
    index("idx_connector_credential_events_unchained").on(t.id).where(sql`${t.chainSeq} is null`),
    uniqueIndex("connector_credential_events_chain_seq_key")
      .on(t.chainSeq)
      .where(sql`${t.chainSeq} is not null`),
    pgPolicy("Audit events visible to admins", {
      for: "select",
      to: authenticatedRole,
      using: adminOfCompany,
    }),
    pgPolicy("Audit events recorded for admins", {
      for: "insert",
      to: authenticatedRole,
      withCheck: adminOfCompany,
    }),
  ],
);
