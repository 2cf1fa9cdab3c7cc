// Companies, users and connectors for tests, plus the claims their tokens would carry.
import { randomUUID } from "node:crypto";
import type { JwtClaims } from "@vibot/db";
import { ADMIN_ROLE } from "@vibot/db";
import type { TestDatabase } from "./database";

/** The admin claim role, as the product defines it. */
export const ADMIN = ADMIN_ROLE;

export interface Tenant {
  companyId: string;
  adminId: string;
  memberId: string;
  connectorId: string;
  /** Claims of an admin of this company. */
  admin: JwtClaims;
  /** Claims of a non-admin member of this company. */
  member: JwtClaims;
}

/** Inserts a company with an admin, a member and one connector (as the superuser). */
export async function seedTenant(db: TestDatabase, name = "Acme"): Promise<Tenant> {
  const companyId = randomUUID();
  const adminId = randomUUID();
  const memberId = randomUUID();
  const connectorId = randomUUID();
  await db.query("insert into companies (id, name) values ($1, $2)", [companyId, name]);
  await db.query(
    "insert into users (id, company_id, email) values ($1, $3, 'admin@x'), ($2, $3, 'member@x')",
    [adminId, memberId, companyId],
  );
  await db.query(
    "insert into integration_connectors (id, company_id, name, provider) values ($1, $2, 'crm', 'hubspot')",
    [connectorId, companyId],
  );
  return {
    companyId,
    adminId,
    memberId,
    connectorId,
    admin: { sub: adminId, company_id: companyId, roles: [ADMIN], role: "authenticated" },
    member: { sub: memberId, company_id: companyId, roles: [], role: "authenticated" },
  };
}

/** Rows of `connector_credentials` as the superuser sees them, for "nothing was written" checks. */
export async function credentialRows(db: TestDatabase, connectorId?: string) {
  return db.query<{ id: string; version: number; checksum: string; company_id: string }>(
    connectorId === undefined
      ? "select id, version, checksum, company_id from connector_credentials order by connector_id, version"
      : "select id, version, checksum, company_id from connector_credentials where connector_id = $1 order by version",
    connectorId === undefined ? [] : [connectorId],
  );
}
