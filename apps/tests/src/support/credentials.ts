// Credential operations as a tenant's admin, through the same request-context door as the API.
import type { Keyring } from "@vibot/crypto";
import {
  type JwtClaims,
  readCredential,
  type Transaction,
  withRequestContext,
  writeCredentialVersion,
} from "@vibot/db";
import type { TestDatabase } from "./database";
import type { Tenant } from "./fixtures";

export const asService = <T>(
  db: TestDatabase,
  claims: JwtClaims,
  work: (tx: Transaction) => Promise<T>,
) => withRequestContext(db.handle.db, { claims, role: "service_role" }, work);

export const asReader = <T>(
  db: TestDatabase,
  claims: JwtClaims,
  work: (tx: Transaction) => Promise<T>,
) => withRequestContext(db.handle.db, { claims, role: "authenticated" }, work);

/** Writes `secret` (any JSON value) as the next version of the tenant's connector. */
export function rotate(
  db: TestDatabase,
  keyring: Keyring,
  tenant: Tenant,
  secret: unknown,
  maxVersions = 10,
) {
  return asService(db, tenant.admin, (tx) =>
    writeCredentialVersion(tx, keyring, {
      connectorId: tenant.connectorId,
      secretJson: JSON.stringify(secret),
      rotatedBy: tenant.adminId,
      maxVersions,
    }),
  );
}

/** Reads the current (or a given) version of the tenant's connector, as its admin. */
export function readBack(db: TestDatabase, keyring: Keyring, tenant: Tenant, version?: number) {
  return asReader(db, tenant.admin, (tx) =>
    readCredential(tx, keyring, tenant.connectorId, version),
  );
}
