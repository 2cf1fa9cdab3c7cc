// A version's life (docs/ARCHITECTURE.md, "Version lifecycle"), over HTTP as an admin and in SQL
// as the roles the database enforces: staged rotation and promote, soft delete with restore and
// the purge job, expiry and its reminders, each company kept apart, and every change in the
// ledger. Time moves by the jobs' injected clock, never by waiting.

import { LifecycleJobs } from "@vibot/api/lifecycle";
import { createLogger } from "@vibot/api/logger";
import {
  chainEventsOperation,
  connectPostgres,
  type DatabaseHandle,
  verifyLedger,
} from "@vibot/db";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApi, tokenFor } from "./support/api";
import { engine, openTestDatabase, type TestDatabase } from "./support/database";
import { credentialRows, seedTenant, type Tenant } from "./support/fixtures";
import { asRole } from "./support/roles";
import { openSse } from "./support/sse";

const DAY = 86_400_000;
const FEED = "/v1/realtime?channel=public:connector_credentials";

let db: TestDatabase;
let api: Awaited<ReturnType<typeof createTestApi>>;
let t: Tenant;
let token: string;

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

const path = (tenant = t) => `/v1/connectors/${tenant.connectorId}/credentials`;
const write = async (body: Record<string, unknown>, as = token, tenant = t) => {
  const written = await api.request("POST", path(tenant), { token: as, body });
  expect(written.status, written.text).toBe(201);
  return written.body;
};
const rotate = (secret: unknown, extra: Record<string, unknown> = {}) =>
  write({ secret, ...extra });
const stagesOf = async () => {
  const listed = await api.request("GET", path(), { token });
  expect(listed.status, listed.text).toBe(200);
  return Object.fromEntries((listed.body.versions ?? []).map((v) => [v.version, v.stage]));
};
/** Chains every recorded event (the sequencer's work), so a stream opened next starts after it. */
const chainAll = async () => {
  while ((await db.handle.run({}, chainEventsOperation(api.keyring))) > 0);
};
/** The jobs of one API process, on its own clock. */
const jobs = (now: () => Date, database: DatabaseHandle = db.handle) =>
  new LifecycleJobs(database, { expiryWarningMs: 7 * DAY, now }, () => {}, createLogger("silent"));
const inDays = (days: number) => () => new Date(Date.now() + days * DAY);
const eventsOf = (connectorId: string) =>
  db.query<{ action: string; version: number; actor: string | null; detail: string | null }>(
    `select action, version, actor, detail from connector_credential_events
     where connector_id = $1 and action <> 'read' order by id`,
    [connectorId],
  );

describe("stages", () => {
  it("writes a pending version that /current does not return, until it is promoted", async () => {
    await rotate("v1");
    const pending = await rotate("v2", { stage: "pending" });
    expect(pending).toMatchObject({ version: 2, stage: "pending" });
    const current = await api.request("GET", `${path()}/current`, { token });
    expect(current.body).toMatchObject({ version: 1, secret: "v1", stage: "current" });
    const staged = await api.request("GET", `${path()}/pending`, { token });
    expect(staged.body).toMatchObject({ version: 2, secret: "v2", stage: "pending" });
    expect(await stagesOf()).toEqual({ 1: "current", 2: "pending" });

    const promoted = await api.request("POST", `${path()}/promote`, {
      token,
      body: { version: 2, expectedVersion: 1 },
    });
    expect(promoted.status, promoted.text).toBe(200);
    expect(promoted.body).toMatchObject({ version: 2, stage: "current" });
    expect((await api.request("GET", `${path()}/current`, { token })).body.secret).toBe("v2");
    expect((await api.request("GET", `${path()}/previous`, { token })).body.secret).toBe("v1");
    expect((await api.request("GET", `${path()}/pending`, { token })).status).toBe(404);
    expect(await stagesOf()).toEqual({ 1: "previous", 2: "current" });
  });

  it("announces a promote as two UPDATEs, each side carrying its stage", async () => {
    await rotate("v1");
    const pending = await rotate("v2", { stage: "pending" });
    await chainAll();
    const stream = await openSse(api.app, FEED, { authorization: `Bearer ${token}` });
    const promoted = await api.request("POST", `${path()}/promote`, {
      token,
      body: { version: 2 },
    });
    expect(promoted.status, promoted.text).toBe(200);
    const sentinel = await rotate("sentinel");
    const events = await stream.before(sentinel.id ?? "");
    await stream.close();
    const changes = events.map((e) => [e.event, JSON.parse(e.data)] as const);
    expect(
      changes.map(([kind, data]) => [kind, data.new.version, data.old.stage, data.new.stage]),
    ).toEqual([
      ["UPDATE", 2, "pending", "current"],
      ["UPDATE", 1, "current", "previous"],
    ]);
    expect(changes[0]?.[1].new.id).toBe(pending.id);
  });

  it("refuses to promote a version that is not pending, or against another current version", async () => {
    await rotate("v1");
    await rotate("v2", { stage: "pending" });
    const notPending = await api.request("POST", `${path()}/promote`, {
      token,
      body: { version: 1 },
    });
    expect(notPending.status, notPending.text).toBe(409);
    const stale = await api.request("POST", `${path()}/promote`, {
      token,
      body: { version: 2, expectedVersion: 7 },
    });
    expect(stale.status, stale.text).toBe(409);
    const missing = await api.request("POST", `${path()}/promote`, {
      token,
      body: { version: 9 },
    });
    expect(missing.status, missing.text).toBe(404);
    expect(await stagesOf()).toEqual({ 1: "current", 2: "pending" });
  });

  it("lets one of two concurrent promotes win; the other gets 409", async () => {
    await rotate("v1");
    await rotate("v2", { stage: "pending" });
    const both = await Promise.all(
      [0, 1].map(() => api.request("POST", `${path()}/promote`, { token, body: { version: 2 } })),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await eventsOf(t.connectorId)).filter((e) => e.action === "promote")).toHaveLength(2);
  });

  it("keeps one current and one pending when a pending write races a plain rotation", async () => {
    await rotate("v1");
    await Promise.all([rotate("staged", { stage: "pending" }), rotate("plain")]);
    const stages = Object.values(await stagesOf());
    expect(stages.filter((s) => s === "current")).toHaveLength(1);
    expect(stages.filter((s) => s === "pending")).toHaveLength(1);
    expect((await api.request("GET", `${path()}/pending`, { token })).body.secret).toBe("staged");
    expect((await api.request("GET", `${path()}/current`, { token })).body.secret).toBe("plain");
  });

  it("moves the pending mark to a later pending write; the earlier one stays, retained", async () => {
    await rotate("v1");
    await rotate("first try", { stage: "pending" });
    await rotate("second try", { stage: "pending" });
    expect(await stagesOf()).toEqual({ 1: "current", 2: "retained", 3: "pending" });
  });

  it("never prunes the current, pending or previous version", async () => {
    // maxVersions is 3: the oldest go, but not these three.
    await rotate("v1");
    await rotate("v2");
    await rotate("v3", { stage: "pending" });
    await rotate("v4");
    await rotate("v5", { stage: "pending" });
    await rotate("v6", { stage: "pending" });
    await rotate("v7", { stage: "pending" });
    const kept = (await credentialRows(db, t.connectorId)).map((r) => r.version);
    expect(kept).toEqual(expect.arrayContaining([2, 4, 7]));
    expect(await stagesOf()).toMatchObject({ 2: "previous", 4: "current", 7: "pending" });
  });
});

describe("batch read", () => {
  it("reads each connector's pending or previous version, and reports a deleted one as deleted", async () => {
    await rotate("v1");
    await rotate("v2");
    await rotate("v3", { stage: "pending" });
    const batch = (stage: string) =>
      api.request("POST", "/v1/credentials/batch-read", {
        token,
        body: { connectorIds: [t.connectorId], stage },
      });
    expect((await batch("pending")).body).toMatchObject({
      credentials: [{ version: 3, secret: "v3", stage: "pending" }],
      errors: [],
    });
    expect((await batch("previous")).body).toMatchObject({
      credentials: [{ version: 1, secret: "v1", stage: "previous" }],
    });
    expect((await api.request("DELETE", `${path()}/1`, { token })).status).toBe(204);
    expect((await batch("previous")).body).toEqual({
      credentials: [],
      errors: [{ connectorId: t.connectorId, code: "deleted" }],
    });
  });
});

describe("soft delete", () => {
  it("answers 410 with purgeAfter for a deleted version, and restores it within the window", async () => {
    await rotate("v1");
    await rotate("v2");
    await rotate("v3");
    const deleted = await api.request("DELETE", `${path()}/2`, { token });
    expect(deleted.status, deleted.text).toBe(204);
    const read = await api.request("GET", `${path()}/2`, { token });
    expect(read.status, read.text).toBe(410);
    expect(read.body.error?.code).toBe("deleted");
    const purgeAfter = Date.parse(read.body.error?.details?.purgeAfter ?? "");
    expect(purgeAfter).toBeGreaterThan(Date.now() + 6 * DAY);
    expect(read.text).not.toContain("v2");
    const listed = await api.request("GET", path(), { token });
    expect(listed.body.versions?.find((v) => v.version === 2)).toMatchObject({
      stage: "deleted",
      purgeAfter: read.body.error?.details?.purgeAfter,
    });
    // A second delete of it is refused the same way; a rollback to it too.
    expect((await api.request("DELETE", `${path()}/2`, { token })).status).toBe(410);
    const rollback = await api.request("POST", `${path()}/rollback`, {
      token,
      body: { version: 2 },
    });
    expect(rollback.status, rollback.text).toBe(410);

    const restored = await api.request("POST", `${path()}/2/restore`, { token });
    expect(restored.status, restored.text).toBe(200);
    expect(restored.body).toMatchObject({ version: 2, stage: "previous" });
    expect((await api.request("GET", `${path()}/2`, { token })).body.secret).toBe("v2");
    const again = await api.request("POST", `${path()}/2/restore`, { token });
    expect(again.status, again.text).toBe(409);
  });

  it("refuses a deleted version in SQL as authenticated, whatever the statement", async () => {
    const v1 = await rotate("v1");
    await rotate("v2");
    expect((await api.request("DELETE", `${path()}/1`, { token })).status).toBe(204);
    const rows = await asRole(db, "authenticated", t.admin, (q) =>
      q("select id, secret_ciphertext from connector_credentials where connector_id = $1", [
        t.connectorId,
      ]),
    );
    expect(rows.map((r) => r.id)).not.toContain(v1.id);
    expect(rows).toHaveLength(1);
    // The request door's read function, called directly with the API's keys, refuses it too.
    const { kids, encKeys, macKeys } = api.keyring.toParameters();
    const [direct] = await asRole(db, "authenticated", t.admin, (q) =>
      q(
        "select secret_json, failure from vault_read_credential('', $1, 1, 'current', $2, $3, $4, null, true)",
        [t.connectorId, kids, encKeys, macKeys],
      ),
    );
    expect(direct).toMatchObject({ secret_json: null, failure: "deleted" });
  });

  it("makes the newest remaining version current when the current one is deleted", async () => {
    await rotate("v1");
    await rotate("v2");
    await rotate("v3", { stage: "pending" });
    await rotate("v4");
    expect((await api.request("DELETE", `${path()}/4`, { token })).status).toBe(204);
    const current = await api.request("GET", `${path()}/current`, { token });
    expect(current.body).toMatchObject({ version: 2, secret: "v2" });
    expect(await stagesOf()).toMatchObject({ 2: "current", 3: "pending", 4: "deleted" });
    // Restoring does not move current.
    expect((await api.request("POST", `${path()}/4/restore`, { token })).status).toBe(200);
    expect((await api.request("GET", `${path()}/current`, { token })).body.version).toBe(2);
  });

  it("restores as current when the connector has no current version", async () => {
    await rotate("v1");
    expect((await api.request("DELETE", path(), { token })).status).toBe(204);
    expect((await api.request("GET", `${path()}/current`, { token })).status).toBe(404);
    const restored = await api.request("POST", `${path()}/1/restore`, { token, body: {} });
    expect(restored.body).toMatchObject({ version: 1, stage: "current" });
    expect((await api.request("GET", `${path()}/current`, { token })).body.secret).toBe("v1");
  });

  it("purges when the window ends (the jobs' clock moved, not waited), then restore is 404", async () => {
    await rotate("v1");
    await rotate("v2");
    expect((await api.request("DELETE", `${path()}/1`, { token })).status).toBe(204);
    // A day later nothing is due.
    expect((await jobs(inDays(1)).run()).purged).toBe(0);
    expect((await credentialRows(db, t.connectorId)).map((r) => r.version)).toEqual([1, 2]);
    const run = await jobs(inDays(8)).run();
    expect(run.purged).toBeGreaterThanOrEqual(1);
    expect((await credentialRows(db, t.connectorId)).map((r) => r.version)).toEqual([2]);
    const restore = await api.request("POST", `${path()}/1/restore`, { token });
    expect(restore.status, restore.text).toBe(404);
    const purges = (await eventsOf(t.connectorId)).filter((e) => e.action === "purge");
    expect(purges).toEqual([
      { action: "purge", version: 1, actor: null, detail: "deleted>purged" },
    ]);
  });

  it("destroys at once with ?purge=true", async () => {
    await rotate("v1");
    await rotate("v2");
    expect((await api.request("DELETE", `${path()}/1?purge=true`, { token })).status).toBe(204);
    expect((await credentialRows(db, t.connectorId)).map((r) => r.version)).toEqual([2]);
    expect((await api.request("GET", `${path()}/1`, { token })).status).toBe(404);
  });

  it("purges each deleted version exactly once, whatever the number of processes", async () => {
    const tenants = [t, await seedTenant(db, "U")];
    for (const tenant of tenants) {
      const as = await tokenFor(tenant.admin);
      for (let i = 0; i < 4; i++) await write({ secret: `s${i}` }, as, tenant);
      expect((await api.request("DELETE", path(tenant), { token: as })).status).toBe(204);
    }
    // Two API processes: on PostgreSQL each with its own connections.
    const second =
      engine === "postgres"
        ? connectPostgres(db.childEnv.DATABASE_URL ?? "", { max: 4 })
        : db.handle;
    try {
      const runs = await Promise.all([
        jobs(inDays(8)).run(),
        jobs(inDays(8), second).run(),
        jobs(inDays(8), second).run(),
      ]);
      // A process that found the lock taken did nothing; the purges add up, none twice.
      const purged = await db.query<{ credential_id: string; n: number }>(
        `select credential_id, count(*)::int as n from connector_credential_events
         where action = 'purge' and connector_id = any($1) group by credential_id`,
        [tenants.map((x) => x.connectorId)],
      );
      expect(purged.every((p) => p.n === 1)).toBe(true);
      // Retention (3) destroyed the oldest before the delete; the three deleted ones are purged.
      expect(purged).toHaveLength(6);
      expect(runs.reduce((sum, r) => sum + r.purged, 0)).toBeLessThanOrEqual(6);
      for (const tenant of tenants)
        expect(await credentialRows(db, tenant.connectorId)).toEqual([]);
    } finally {
      if (second !== db.handle) await second.close();
    }
  });
});

describe("expiry", () => {
  it("refuses an expiry in the past, and reads an expired secret marked expired", async () => {
    const past = await api.request("POST", path(), {
      token,
      body: { secret: "s", expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect(past.status, past.text).toBe(400);
    expect(past.body.error?.details?.[0]?.field).toBe("expiresAt");
    expect(await credentialRows(db, t.connectorId)).toEqual([]);
    const expiresAt = new Date(Date.now() + 3 * DAY).toISOString();
    await rotate("s", { expiresAt });
    const current = await api.request("GET", `${path()}/current`, { token });
    expect(current.body).toMatchObject({ expiresAt, expired: false });
    // Expiry is information, not enforcement: once passed, the secret still reads.
    await db.query(
      "update connector_credential_lifecycle set expires_at = now() - interval '1 hour' where connector_id = $1",
      [t.connectorId],
    );
    const expired = await api.request("GET", `${path()}/current`, { token });
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ secret: "s", expired: true });
  });

  it("lists the current versions due within the window", async () => {
    const soon = new Date(Date.now() + 2 * DAY).toISOString();
    await rotate("s", { expiresAt: soon });
    const listed = await api.request("GET", "/v1/credentials/expiring?within=3d", { token });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body).toEqual({
      credentials: [{ connectorId: t.connectorId, version: 1, expiresAt: soon, expired: false }],
    });
    const narrow = await api.request("GET", "/v1/credentials/expiring?within=1d", { token });
    expect(narrow.body).toEqual({ credentials: [] });
    const bad = await api.request("GET", "/v1/credentials/expiring?within=soon", { token });
    expect(bad.status).toBe(400);
  });

  it("reminds once per version and kind, across processes and a restart, on the stream too", async () => {
    const expiresAt = new Date(Date.now() + 10 * DAY).toISOString();
    const written = await rotate("s", { expiresAt });
    await chainAll();
    const stream = await openSse(api.app, FEED, { authorization: `Bearer ${token}` });
    const remindersOf = async () =>
      (await eventsOf(t.connectorId)).filter((e) => e.action.startsWith("expir"));
    // Outside the warning window (7 days): nothing (of this connector; the jobs serve them all).
    await jobs(inDays(1)).run();
    expect(await remindersOf()).toEqual([]);
    // Inside it, twice at once: one reminder.
    await Promise.all([jobs(inDays(4)).run(), jobs(inDays(4)).run()]);
    // After the expiry, and again after a "restart" (new jobs, same database): one more.
    await jobs(inDays(11)).run();
    await jobs(inDays(12)).run();
    expect(await remindersOf()).toEqual([
      { action: "expiring", version: 1, actor: null, detail: expiresAt },
      { action: "expired", version: 1, actor: null, detail: expiresAt },
    ]);
    const sentinel = await rotate("sentinel");
    const events = await stream.before(sentinel.id ?? "");
    await stream.close();
    expect(events.map((e) => [e.event, JSON.parse(e.data)])).toEqual([
      ["REMINDER", { type: "expiring", connectorId: t.connectorId, version: 1, expiresAt }],
      ["REMINDER", { type: "expired", connectorId: t.connectorId, version: 1, expiresAt }],
    ]);
    expect(written.version).toBe(1);
  });
});

describe("isolation", () => {
  it("lets another company's admin see, promote, restore, delete or list none of it", async () => {
    const other = await seedTenant(db, "Other");
    const stranger = await tokenFor(other.admin);
    await rotate("v1", { expiresAt: new Date(Date.now() + DAY).toISOString() });
    await rotate("v2", { stage: "pending" });
    expect((await api.request("DELETE", `${path()}/1`, { token })).status).toBe(204);
    const as = { token: stranger };
    for (const [method, url, body] of [
      ["GET", `${path()}/pending`],
      ["GET", `${path()}/previous`],
      ["GET", `${path()}/1`],
      ["GET", path()],
      ["POST", `${path()}/promote`, { version: 2 }],
      ["POST", `${path()}/1/restore`, {}],
      ["DELETE", `${path()}/2`],
    ] as const) {
      const answer = await api.request(method, url, { ...as, body });
      expect(answer.status, `${method} ${url}: ${answer.text}`).toBe(404);
    }
    const expiring = await api.request("GET", "/v1/credentials/expiring?within=30d", as);
    expect(expiring.body).toEqual({ credentials: [] });
    const rows = await asRole(db, "authenticated", other.admin, (q) =>
      q("select * from connector_credential_lifecycle"),
    );
    expect(rows).toEqual([]);
    expect(await stagesOf()).toEqual({ 1: "deleted", 2: "pending" });
  });

  it("refuses the lifecycle functions to an admin calling them with SQL as service_role for another company", async () => {
    await rotate("v1");
    await rotate("v2", { stage: "pending" });
    const other = await seedTenant(db, "Other");
    const [promote] = await asRole(db, "service_role", other.admin, (q) =>
      q("select outcome from vault_promote('', $1, 2, null, null)", [t.connectorId]),
    );
    expect(promote).toEqual({ outcome: "connector_not_found" });
    const [remove] = await asRole(db, "service_role", other.admin, (q) =>
      q("select outcome from vault_delete_versions('', $1, null, true, '0'::interval, null)", [
        t.connectorId,
      ]),
    );
    expect(remove).toEqual({ outcome: "connector_not_found" });
    expect(await stagesOf()).toEqual({ 1: "current", 2: "pending" });
  });
});

describe("an admin with SQL access", () => {
  it("refuses an admin with SQL access the pointers, the lifecycle rows and the jobs", async () => {
    await rotate("v1");
    await rotate("v2", { stage: "pending" });
    expect((await api.request("DELETE", `${path()}/1`, { token })).status).toBe(204);
    const attempts = [
      ["update integration_connectors set current_version = 1 where id = $1", [t.connectorId]],
      [
        "update connector_credential_lifecycle set deleted_at = null, purge_after = null where connector_id = $1",
        [t.connectorId],
      ],
      ["delete from connector_credential_lifecycle where connector_id = $1", [t.connectorId]],
      ["select vault_purge_due(now() + interval '30 days', 100)", []],
      ["select vault_remind_due(now() + interval '30 days', interval '7 days', 100)", []],
      [
        "select vault_record_change($1, gen_random_uuid(), 1, 'restore', 'deleted>current', null)",
        [t.connectorId],
      ],
    ] as const;
    for (const [statement, params] of attempts) {
      const attempt = asRole(db, "authenticated", t.admin, (q) => q(statement, [...params]));
      await expect(attempt, statement).rejects.toBeDefined();
    }
    // Nothing moved: version 1 is still deleted, version 2 still pending.
    expect(await stagesOf()).toEqual({ 1: "deleted", 2: "pending" });
  });
});

describe("audit", () => {
  it("records every lifecycle action with its actor, lists it, replays it and verifies it", async () => {
    await rotate("v1");
    await chainAll();
    const stream = await openSse(api.app, FEED, { authorization: `Bearer ${token}` });
    await rotate("v2", { stage: "pending", expiresAt: new Date(Date.now() + DAY).toISOString() });
    const [first] = await stream.waitFor(1);
    await stream.close();
    await api.request("POST", `${path()}/promote`, { token, body: { version: 2 } });
    await api.request("DELETE", `${path()}/1`, { token });
    await api.request("POST", `${path()}/1/restore`, { token });
    await api.request("DELETE", `${path()}/1`, { token });
    await jobs(inDays(9)).run();

    const recorded = await eventsOf(t.connectorId);
    const expiry = recorded.find((e) => e.action === "expiring")?.detail;
    expect(expiry).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(recorded.map((e) => `${e.action}:${e.version}:${e.detail ?? ""}`)).toEqual([
      "rotate:1:",
      "stage:2:",
      "promote:2:pending>current",
      "promote:1:current>previous",
      "delete:1:previous>deleted",
      "restore:1:deleted>previous",
      "delete:1:previous>deleted",
      "purge:1:deleted>purged",
      `expiring:2:${expiry}`,
      `expired:2:${expiry}`,
    ]);
    const byActor = recorded.filter((e) => ["promote", "delete", "restore"].includes(e.action));
    expect(byActor.every((e) => e.actor === t.adminId)).toBe(true);

    const listed = await api.request("GET", `/v1/audit?connectorId=${t.connectorId}&limit=50`, {
      token,
    });
    const actions = new Set((listed.body.events ?? []).map((e) => e.action));
    for (const action of ["stage", "promote", "delete", "restore", "purge", "expiring", "expired"])
      expect(actions, action).toContain(action);

    // Replay after the first event: every change since, in order, the purge as a DELETE.
    await chainAll();
    const resumed = await openSse(api.app, FEED, {
      authorization: `Bearer ${token}`,
      "last-event-id": first?.id ?? "",
    });
    const sentinel = await rotate("sentinel");
    const replayed = await resumed.before(sentinel.id ?? "");
    await resumed.close();
    expect(replayed.map((e) => e.event)).toEqual([
      "UPDATE",
      "UPDATE",
      "UPDATE",
      "UPDATE",
      "UPDATE",
      "DELETE",
      "REMINDER",
      "REMINDER",
    ]);
    await chainAll();
    const report = await verifyLedger(db.operator.db, api.keyring);
    expect(report.failed).toEqual([]);
  });
});
