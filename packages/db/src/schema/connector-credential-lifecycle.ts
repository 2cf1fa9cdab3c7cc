// Lifecycle state beside the seed's table (docs/ARCHITECTURE.md, "Version lifecycle"): a row for a
// version that carries an expiry or is deleted, so the seed's table keeps exactly its columns.
// Stages (current, pending, previous) are pointers on integration_connectors; this row holds what
// is per version: when it expires and which reminders went out, and whether it is deleted and
// until when it can be restored. Its version, rotatedAt and rotatedBy repeat the credential's, so
// that a listing shows a deleted version which the seed's table no longer lets admins see.
import { sql } from "drizzle-orm";
import {
  check,
  foreignKey,
  index,
  integer,
  pgPolicy,
  pgTable,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { connectorCredentials } from "./connector-credentials";
import { adminOfCompany, authenticatedRole, lifecycleRole } from "./roles";

export const connectorCredentialLifecycle = pgTable(
  "connector_credential_lifecycle",
  {
    credentialId: uuid().primaryKey(),
    companyId: uuid().notNull(),
    connectorId: uuid().notNull(),
    version: integer().notNull(),
    rotatedAt: timestamp({ withTimezone: true }).notNull(),
    rotatedBy: uuid(),
    /** Information, not enforcement: an expired secret still reads, marked expired. */
    expiresAt: timestamp({ withTimezone: true }),
    /** Set once by the reminder job: each reminder goes out once per version. */
    expiringRemindedAt: timestamp({ withTimezone: true }),
    expiredRemindedAt: timestamp({ withTimezone: true }),
    /** Set while the version is deleted; its secret cannot be read until it is restored. */
    deletedAt: timestamp({ withTimezone: true }),
    /** When the purge job destroys a deleted version. */
    purgeAfter: timestamp({ withTimezone: true }),
  },
  (t) => [
    foreignKey({
      name: "connector_credential_lifecycle_credential_fkey",
      columns: [t.credentialId],
      foreignColumns: [connectorCredentials.id],
    }).onDelete("cascade"),
    unique("connector_credential_lifecycle_connector_version_key").on(t.connectorId, t.version),
    check(
      "connector_credential_lifecycle_deleted_check",
      sql`(${t.deletedAt} is null) = (${t.purgeAfter} is null)`,
    ),
    index("idx_connector_credential_lifecycle_purge")
      .on(t.purgeAfter)
      .where(sql`${t.deletedAt} is not null`),
    index("idx_connector_credential_lifecycle_expiry")
      .on(t.expiresAt)
      .where(sql`${t.expiresAt} is not null`),
    index("idx_connector_credential_lifecycle_company").on(t.companyId),
    pgPolicy("Lifecycle visible to admins", {
      for: "select",
      to: authenticatedRole,
      using: adminOfCompany,
    }),
    pgPolicy("Lifecycle kept by the lifecycle jobs", {
      for: "all",
      to: lifecycleRole,
      using: sql`true`,
      withCheck: sql`true`,
    }),
  ],
);
