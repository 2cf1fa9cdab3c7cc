// The realtime suites' setup: this file's database, a hub with a fast heartbeat and room for many
// streams, the API around it, and two companies with their admins' tokens.
import { createLogger } from "@vibot/api/logger";
import { RealtimeHub } from "@vibot/api/realtime";
import { afterAll, beforeAll } from "vitest";
import { createTestApi, tokenFor } from "./api";
import { openTestDatabase, type TestDatabase } from "./database";
import { seedTenant, type Tenant } from "./fixtures";
import { testKeyring } from "./keys";

export let db: TestDatabase;
export let api: Awaited<ReturnType<typeof createTestApi>>;
export let hub: RealtimeHub;
export let a: Tenant;
export let b: Tenant;
export let tokenA: string;
export let tokenB: string;

export const FEED = "/v1/realtime?channel=public:connector_credentials";
export const SECRET = "sk_live_realtime_secret";

export function useRealtimeSuite() {
  beforeAll(async () => {
    db = await openTestDatabase();
    hub = new RealtimeHub(db.handle, await testKeyring(), createLogger("silent"));
    api = await createTestApi(db, {
      realtime: {
        hub,
        heartbeatMs: 100,
        limits: { maxStreamsPerToken: 200, maxStreamsPerCompany: 200 },
      },
    });
    a = await seedTenant(db, "A");
    b = await seedTenant(db, "B");
    tokenA = await tokenFor(a.admin);
    tokenB = await tokenFor(b.admin);
  });
  afterAll(async () => {
    await db.close();
  });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A rotation of the tenant's connector through the API. */
export const rotate = (tenant: Tenant, token: string, secret: unknown = SECRET) =>
  api.request("POST", `/v1/connectors/${tenant.connectorId}/credentials`, {
    token,
    body: { secret },
  });

/** A one-shot signal between a test and work it started: `open()` once, `opened` resolves. */
export function latch() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}
