// A company's integration connector. `lastCredentialVersion` remembers the highest credential
// version ever written, so numbers are never reused after versions are destroyed; updating it is
// also the row lock that serialises concurrent changes of one connector's versions. The stage
// pointers say which version is current, pending and previous (docs/ARCHITECTURE.md, "Version
// lifecycle"): one column each, so a connector has at most one of each by construction.
import { sql } from "drizzle-orm";
import { integer, pgPolicy, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { companies } from "./companies";
import { authenticatedRole, ledgerRole, lifecycleRole } from "./roles";

export const integrationConnectors = pgTable(
  "integration_connectors",
  {
    id: uuid().primaryKey().defaultRandom(),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    name: text().notNull().default(""),
    provider: text().notNull().default(""),
    lastCredentialVersion: integer().notNull().default(0),
    /** What `/current` returns; null when the connector has no current version. */
    currentVersion: integer(),
    /** A version written with `"stage":"pending"`, not yet promoted. */
    pendingVersion: integer(),
    /** The version that was current before the last change of current. */
    previousVersion: integer(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("integration_connectors_id_company_id_key").on(t.id, t.companyId),
    pgPolicy("Connectors visible to their company", {
      for: "select",
      to: authenticatedRole,
      using: sql`${t.companyId} = (select public.current_company_id())`,
    }),
    // The recorder checks that an event's connector belongs to the caller's company.
    pgPolicy("Connectors visible to the ledger recorder", {
      for: "select",
      to: ledgerRole,
      using: sql`true`,
    }),
    // The lifecycle jobs clear the pointers of the versions they purge, in every company.
    pgPolicy("Connectors kept by the lifecycle jobs", {
      for: "all",
      to: lifecycleRole,
      using: sql`true`,
      withCheck: sql`true`,
    }),
  ],
);
