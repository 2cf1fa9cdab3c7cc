// Soft delete (docs/ARCHITECTURE.md, "Version lifecycle"): 410 with purgeAfter, refused in SQL as
// authenticated, restore within the window, the current version handed on, and the purge job on a
// moved clock, exactly once whatever the number of processes.
import { connectPostgres } from "@vibot/db";
import { describe, expect, it } from "vitest";
import { tokenFor } from "./support/api";
import { engine } from "./support/database";
import { credentialRows, seedTenant } from "./support/fixtures";
import {
  api,
  DAY,
  db,
  eventsOf,
  inDays,
  jobs,
  path,
  rotate,
  stagesOf,
  t,
  token,
  useLifecycleSuite,
  write,
} from "./support/lifecycle";
import { asRole } from "./support/roles";

useLifecycleSuite();

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
