// The usual setup of an API suite: its own database, the API in process, two companies (A with one
// version written), and A's admin token. Exported as live bindings, assigned by the hooks that
// useApiSuite() registers.
import { afterAll, beforeAll, expect } from "vitest";
import { createTestApi, tokenFor } from "./api";
import { openTestDatabase, type TestDatabase } from "./database";
import { seedTenant, type Tenant } from "./fixtures";

export let db: TestDatabase;
export let api: Awaited<ReturnType<typeof createTestApi>>;
export let a: Tenant;
export let b: Tenant;
/** A's admin token. */
export let token: string;

export function useApiSuite(options: Parameters<typeof createTestApi>[1] = {}) {
  beforeAll(async () => {
    db = await openTestDatabase();
    api = await createTestApi(db, options);
    a = await seedTenant(db, "A");
    b = await seedTenant(db, "B");
    token = await tokenFor(a.admin);
    const seeded = await api.request("POST", rotations(a), {
      token,
      body: { secret: { apiKey: "original" } },
    });
    expect(seeded.status, seeded.text).toBe(201);
  });
  afterAll(async () => {
    await db.close();
  });
}

/** A connector's credentials path. */
export const rotations = (tenant: Tenant) => `/v1/connectors/${tenant.connectorId}/credentials`;
