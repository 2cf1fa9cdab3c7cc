// The seed's table: one row per retained version of a connector's secret, encrypted with pgcrypto.
//
// Who may read or change a credential — the whole rule, by where it lives:
// - reads: the seed's policy below, enforced (FORCE RLS) on `authenticated`, the role reads run as;
// - writes: `service_role` bypasses RLS, so the policy does not govern them; the guard trigger
//   `connector_credentials_guard` (drizzle/0005_least_privilege_fail_closed.sql) checks company,
//   ADMIN_ROLE and acting user on every written row, failing closed for every writer but the
//   operator; grants (drizzle/0002) give INSERT/UPDATE/DELETE to service_role alone;
// - the API's login (`authenticator`, NOINHERIT) holds nothing itself and switches role per request
//   (context.ts); each operation declares its role (credentials/*.ts);
// - the HTTP layer refuses early what the database would refuse anyway (apps/api middleware/auth.ts).
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
  varchar,
} from "drizzle-orm/pg-core";
import { companies } from "./companies";
import { integrationConnectors } from "./integration-connectors";
import { adminOfCompany, authenticatedRole, lifecycleRole } from "./roles";
import { bytea } from "./types";
import { users } from "./users";

export const connectorCredentials = pgTable(
  "connector_credentials",
  {
    id: uuid().primaryKey().defaultRandom(),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    connectorId: uuid()
      .notNull()
      .references(() => integrationConnectors.id, { onDelete: "cascade" }),
    version: integer().notNull(),
    secretCiphertext: bytea().notNull(),
    checksum: varchar({ length: 128 }).notNull(),
    rotatedAt: timestamp({ withTimezone: true }).notNull().default(sql`CURRENT_TIMESTAMP`),
    rotatedBy: uuid().references(() => users.id),
  },
  (t) => [
    unique("connector_credentials_connector_id_version_key").on(t.connectorId, t.version),
    check("connector_credentials_version_check", sql`${t.version} >= 1`),
    foreignKey({
      name: "connector_credentials_connector_company_fkey",
      columns: [t.connectorId, t.companyId],
      foreignColumns: [integrationConnectors.id, integrationConnectors.companyId],
    }).onDelete("cascade"),
    index("idx_connector_credentials_company_id").on(t.companyId),
    pgPolicy("Connector credentials managed by admins", {
      for: "all",
      using: adminOfCompany,
      withCheck: adminOfCompany,
    }),
    // A deleted version (docs/ARCHITECTURE.md, "Version lifecycle") cannot be read by an admin,
    // whatever the statement: the database, not only the API, refuses it until it is restored.
    // A scalar subquery on the lifecycle row's key, not NOT EXISTS: the planner may not hash it
    // (hashing scanned the whole lifecycle table for every read; see BENCHMARKS.md).
    pgPolicy("Deleted versions unreadable", {
      as: "restrictive",
      for: "select",
      to: authenticatedRole,
      using: sql`(select l.deleted_at from public.connector_credential_lifecycle l
        where l.credential_id = ${t.id}) is null`,
    }),
    // The purge job destroys versions whose recovery window ended, in every company; the guard
    // lets its role delete and nothing else.
    pgPolicy("Credentials purged by the lifecycle jobs", {
      for: "all",
      to: lifecycleRole,
      using: sql`true`,
      withCheck: sql`true`,
    }),
  ],
);
