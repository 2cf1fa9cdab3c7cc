// The lifecycle suites' setup (docs/ARCHITECTURE.md, "Version lifecycle"): one database and API
// per file, a fresh company and connector per test, and helpers to write versions, read stages,
// chain the ledger, run the jobs on a moved clock and list a connector's events. Live bindings,
// as in suite.ts.
import { LifecycleJobs } from "@vibot/api/lifecycle";
import { createLogger } from "@vibot/api/logger";
import { chainEventsOperation, type DatabaseHandle } from "@vibot/db";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { createTestApi, tokenFor } from "./api";
import { openTestDatabase, type TestDatabase } from "./database";
import { seedTenant, type Tenant } from "./fixtures";

export const DAY = 86_400_000;
export const FEED = "/v1/realtime?channel=public:connector_credentials";

export let db: TestDatabase;
export let api: Awaited<ReturnType<typeof createTestApi>>;
/** This test's company and connector, and its admin's token. */
export let t: Tenant;
export let token: string;

export function useLifecycleSuite() {
  beforeAll(async () => {
    db = await openTestDatabase();
    api = await createTestApi(db, { maxVersions: 3, recoveryWindowMs: 7 * DAY });
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    t = await seedTenant(db, "T");
    token = await tokenFor(t.admin);
  });
}

export const path = (tenant = t) => `/v1/connectors/${tenant.connectorId}/credentials`;
export const write = async (body: Record<string, unknown>, as = token, tenant = t) => {
  const written = await api.request("POST", path(tenant), { token: as, body });
  expect(written.status, written.text).toBe(201);
  return written.body;
};
export const rotate = (secret: unknown, extra: Record<string, unknown> = {}) =>
  write({ secret, ...extra });
export const stagesOf = async () => {
  const listed = await api.request("GET", path(), { token });
  expect(listed.status, listed.text).toBe(200);
  return Object.fromEntries((listed.body.versions ?? []).map((v) => [v.version, v.stage]));
};
/** Chains every recorded event (the sequencer's work), so a stream opened next starts after it. */
export const chainAll = async () => {
  while ((await db.handle.run({}, chainEventsOperation(api.keyring))) > 0);
};
/** The jobs of one API process, on its own clock. */
export const jobs = (now: () => Date, database: DatabaseHandle = db.handle) =>
  new LifecycleJobs(database, { expiryWarningMs: 7 * DAY, now }, () => {}, createLogger("silent"));
export const inDays = (days: number) => () => new Date(Date.now() + days * DAY);
export const eventsOf = (connectorId: string) =>
  db.query<{ action: string; version: number; actor: string | null; detail: string | null }>(
    `select action, version, actor, detail from connector_credential_events
     where connector_id = $1 and action <> 'read' order by id`,
    [connectorId],
  );
