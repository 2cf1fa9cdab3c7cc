// The lifecycle under hostile callers and in the ledger (docs/SECURITY.md, "Lifecycle"): another
// company sees and changes nothing, an admin with SQL access cannot move stages or run the jobs, and
// every lifecycle action is recorded, listed, replayed and verified.
import { verifyLedger } from "@vibot/db";
import { describe, expect, it } from "vitest";
import { tokenFor } from "./support/api";
import { seedTenant } from "./support/fixtures";
import {
  api,
  chainAll,
  DAY,
  db,
  eventsOf,
  FEED,
  inDays,
  jobs,
  path,
  rotate,
  stagesOf,
  t,
  token,
  useLifecycleSuite,
} from "./support/lifecycle";
import { asRole } from "./support/roles";
import { openSse } from "./support/sse";

useLifecycleSuite();

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
