// The audit ledger (docs/SECURITY.md, rules: "The ledger"): one row per read of a secret and per change,
// written in the same transaction as the operation by the recorder alone, then sealed and chained
// by the sequencer under the ledger key a moment after it commits. Never the secret, ciphertext or
// checksum.
import { sql } from "drizzle-orm";
import {
  bigint,
  customType,
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
import { adminOfCompany, authenticatedRole, ledgerRole } from "./roles";

/** What an event records. */
export const auditActions = [
  "read",
  "rotate",
  "rollback",
  "destroy",
  "reencrypt",
  "integrity_failure",
  "stage",
  "promote",
  "delete",
  "restore",
  "purge",
  "expiring",
  "expired",
] as const;
export type AuditAction = (typeof auditActions)[number];

/** The actions that change a credential: what the realtime stream publishes and replays. */
export const changeActions = [
  "rotate",
  "rollback",
  "destroy",
  "reencrypt",
  "stage",
  "promote",
  "delete",
  "restore",
  "purge",
  "expiring",
  "expired",
] as const;
export type ChangeAction = (typeof changeActions)[number];
const changeActionList = sql.raw(changeActions.map((a) => `'${a}'`).join(", "));

/**
 * The column type of an event's action: text that must be one of `auditActions`, as the domain
 * `public.vault_audit_action` (created in migration 0036) checks. A domain rather than a CHECK
 * constraint on the table: PostgreSQL reads a table's CHECK constraints from their stored text at
 * every INSERT statement (about 10 µs for this list of 13, once per recorder call), where a
 * domain's check is read once per session (docs/ARCHITECTURE.md, "What an event costs").
 * drizzle-kit cannot write a domain: a new action goes into `auditActions` and into a migration
 * that replaces the domain's check (ALTER DOMAIN … DROP CONSTRAINT vault_audit_action_check, then
 * ADD CONSTRAINT), and db.schema.declared.test.ts fails until the two lists agree.
 */
const auditActionType = customType<{ data: AuditAction; driverData: string }>({
  dataType: () => "vault_audit_action",
});

export const connectorCredentialEvents = pgTable(
  "connector_credential_events",
  {
    /** Orders events; also the realtime stream's event ids. */
    id: bigint({ mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    /**
     * No foreign keys: the ledger outlives the connectors and versions it speaks of, and a key to
     * companies would make every event share-lock its company's row. A company's deletion still
     * takes its events (trigger `companies_delete_events`, sql/triggers/).
     */
    companyId: uuid().notNull(),
    connectorId: uuid(),
    credentialId: uuid(),
    version: integer(),
    action: auditActionType().notNull(),
    /** The token's sub; null for operator commands and the lifecycle jobs. */
    actor: uuid(),
    requestId: text(),
    occurredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /**
     * `ledger-v2:<ledger kid>:<hex>` over the event's fields under the ledger key, set by the
     * sequencer with the chain position. (Events recorded before migration 0020 carry
     * `hmac-sha256:<data kid>:<hex>` under that data kid's audit key, set when recorded.)
     */
    seal: varchar({ length: 128 }),
    /**
     * Position in the single chain, set once by the sequencer a moment after commit. Unique where
     * set: an event is recorded without one, so the index costs its insert nothing.
     */
    chainSeq: bigint({ mode: "number" }),
    /** The same form as the seal, over the previous chain MAC, this position and this seal. */
    chainMac: varchar({ length: 128 }),
    /**
     * What a lifecycle event adds, sealed with the rest (the last column, so
     * events recorded before it existed keep their seals): for a stage change the version's stages
     * before and after (`pending>current`), for a reminder the version's expiry (ISO 8601).
     */
    detail: text(),
  },
  (t) => [
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
    // The next two serve the change feed, which reads only chained events, so they hold chained
    // events only: an event enters them when the sequencer chains it, not also when it is
    // recorded (the chaining UPDATE writes a new row version into every index that holds the
    // event, so an index that held it unchained was written twice). That is three index entries
    // and WAL records fewer per rotation (docs/ARCHITECTURE.md, "The ledger").
    // Replay of a company's changes after a chain position (Last-Event-ID) never scans its reads.
    index("idx_connector_credential_events_company_changes")
      .on(t.companyId, t.chainSeq)
      .where(sql`${t.chainSeq} is not null and ${t.action} in (${changeActionList})`),
    // When and by whom a version was written (vault_version_written, for the change feed's
    // metadata): a probe of this index instead of a scan of the company's change events, which cost
    // the feed 35 ms an event with 57,000 of them (BENCHMARKS.md, notes). Reads are not in it.
    index("idx_connector_credential_events_written")
      .on(t.credentialId)
      .where(sql`${t.chainSeq} is not null and ${t.action} in ('rotate', 'rollback', 'stage')`),
    // Only the ledger's own role writes events: the recorder inserts, the sequencer chains.
    pgPolicy("Audit events written by the ledger", {
      for: "all",
      to: ledgerRole,
      using: sql`true`,
      withCheck: sql`true`,
    }),
  ],
);
