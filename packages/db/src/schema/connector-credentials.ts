// The seed's table: one row per retained version of a connector's secret, encrypted with pgcrypto.
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
import { bytea } from "./types";
import { users } from "./users";

const adminOfCompany = sql`company_id = (select public.current_company_id()) AND (select public.has_role('Vibot.admin'))`;

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
  ],
);
