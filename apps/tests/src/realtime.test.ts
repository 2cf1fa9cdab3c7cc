// The realtime feed: each admin gets their own company's committed changes, metadata only, and
// nothing else; many subscribers share one listener and leave nothing behind.

import { withRequestContext, writeCredentialVersion } from "@vibot/db";
import { describe, expect, it } from "vitest";
import { tokenFor } from "./support/api";
import { seedTenant } from "./support/fixtures";
import {
  a,
  api,
  b,
  bearer,
  db,
  FEED,
  hub,
  rotate,
  SECRET,
  tokenA,
  tokenB,
  useRealtimeSuite,
} from "./support/realtime";
import { openSse } from "./support/sse";

useRealtimeSuite();

describe("who may subscribe", () => {
  it("answers a missing or unknown channel with 400", async () => {
    for (const path of ["/v1/realtime", "/v1/realtime?channel=public:users"]) {
      const response = await api.request("GET", path, { token: tokenA });
      expect(response.status, response.text).toBe(400);
      expect(response.body.error?.code).toBe("bad_request");
    }
  });

  it("answers a non-admin with 403 and a missing token with 401", async () => {
    expect((await api.request("GET", FEED, { token: await tokenFor(a.member) })).status).toBe(403);
    expect((await api.request("GET", FEED)).status).toBe(401);
  });
});

describe("events", () => {
  it("delivers A's INSERT and DELETE to A's admin within a second, and never B's", async () => {
    const streamA = await openSse(api.app, FEED, bearer(tokenA));
    const streamB = await openSse(api.app, `${FEED}&access_token=${tokenB}`);
    expect(streamA.status).toBe(200);
    expect(streamB.status).toBe(200);

    const writes = [];
    for (let i = 0; i < 3; i++) writes.push(await rotate(a, tokenA), await rotate(b, tokenB));
    for (const w of writes) expect(w.status, w.text).toBe(201);
    const destroyed = await api.request(
      "DELETE",
      `/v1/connectors/${a.connectorId}/credentials/1?purge=true`,
      { token: tokenA },
    );
    expect(destroyed.status).toBe(204);

    // Sentinels written last: whatever precedes them on each stream is all it will ever get.
    const sentinelA = await rotate(a, tokenA, "sentinel");
    const sentinelB = await rotate(b, tokenB, "sentinel");
    const eventsA = await streamA.before(sentinelA.body.id ?? "");
    const eventsB = await streamB.before(sentinelB.body.id ?? "");
    // A heartbeat comes while the stream is idle (every 100 ms here), however fast the rest ran.
    await streamA.comment("heartbeat");
    await streamA.close();
    await streamB.close();

    expect(eventsA.map((e) => e.event)).toEqual(["INSERT", "INSERT", "INSERT", "DELETE"]);
    expect(eventsB.map((e) => e.event)).toEqual(["INSERT", "INSERT", "INSERT"]);
    const inserted = JSON.parse(eventsA[0]?.data ?? "{}");
    expect(inserted).toEqual({
      schema: "public",
      table: "connector_credentials",
      eventType: "INSERT",
      commitTimestamp: expect.stringMatching(/Z$/),
      new: {
        id: writes[0]?.body.id,
        companyId: a.companyId,
        connectorId: a.connectorId,
        version: 1,
        rotatedAt: writes[0]?.body.rotatedAt,
        rotatedBy: a.adminId,
        stage: "current",
      },
      old: {},
    });
    const deleted = JSON.parse(eventsA[3]?.data ?? "{}");
    expect(deleted.new).toEqual({});
    // The deleted row's metadata, writer included, exactly as its INSERT announced it (a
    // destruction's side carries no stage: the version has none left).
    const { stage: _, ...written } = inserted.new;
    expect(deleted.old).toEqual(written);
    for (const e of eventsB) expect(JSON.parse(e.data).new.companyId).toBe(b.companyId);
    for (const raw of [streamA.raw(), streamB.raw()]) {
      expect(raw).not.toContain(SECRET);
      expect(raw).not.toMatch(/checksum|ciphertext|hmac-sha256|secret/i);
    }
    expect(api.logs.join("")).not.toContain(tokenB);
  });

  it("delivers within a second a change written through @vibot/db by a process with no hub", async () => {
    const stream = await openSse(api.app, FEED, bearer(tokenA));
    // Once the stream carries a change, the hub has settled: nothing else is about to chain.
    expect((await rotate(a, tokenA, "settled")).status).toBe(201);
    await stream.waitFor(1);
    // A sibling app: the same packages, its own transaction, nobody wakes this process's hub.
    const written = await withRequestContext(
      db.handle.db,
      { claims: a.admin, role: "service_role" },
      (tx) =>
        writeCredentialVersion(tx, api.keyring, {
          connectorId: a.connectorId,
          secretJson: '"from a sibling app"',
          rotatedBy: a.adminId,
          maxVersions: 10,
        }),
    );
    const [, event] = await stream.waitFor(2, 1000);
    await stream.close();
    expect(JSON.parse(event?.data ?? "{}").new.id).toBe(written.id);
  });

  it("announces nothing for a rolled-back write", async () => {
    const stream = await openSse(api.app, FEED, bearer(tokenA));
    await withRequestContext(
      db.handle.db,
      { claims: a.admin, role: "service_role" },
      async (tx) => {
        await writeCredentialVersion(tx, api.keyring, {
          connectorId: a.connectorId,
          secretJson: '"rolled back"',
          rotatedBy: a.adminId,
          maxVersions: 10,
        });
        throw new Error("roll back");
      },
    ).catch(() => undefined);
    // The rotation after the rollback is the sentinel: nothing came before it.
    const marker = await rotate(a, tokenA, "after the rollback");
    const before = await stream.before(marker.body.id ?? "");
    await stream.close();
    expect(before).toEqual([]);
  });

  it("announces a version pruned past retention as a DELETE with its own writer", async () => {
    const tenant = await seedTenant(db, "Prune");
    const token = await tokenFor(tenant.admin);
    const stream = await openSse(api.app, FEED, bearer(token));
    const first = await rotate(tenant, token, "first");
    expect(first.status, first.text).toBe(201);
    // Retention is 10 versions here: the eleventh rotation prunes version 1.
    for (let i = 2; i <= 11; i++) expect((await rotate(tenant, token, `v${i}`)).status).toBe(201);
    const events = await stream.waitFor(12, 2000);
    await stream.close();
    const pruned = events.filter((e) => e.event === "DELETE").map((e) => JSON.parse(e.data));
    expect(pruned).toHaveLength(1);
    expect(pruned[0]?.old).toEqual({
      id: first.body.id,
      companyId: tenant.companyId,
      connectorId: tenant.connectorId,
      version: 1,
      rotatedAt: first.body.rotatedAt,
      rotatedBy: tenant.adminId,
    });
  });
});

describe("fan-out", () => {
  it("gives 200 subscribers every event of their company, and releases them on disconnect", async () => {
    const streams = await Promise.all(
      Array.from({ length: 200 }, () => openSse(api.app, FEED, bearer(tokenA))),
    );
    expect(hub.size).toBe(200);
    for (let i = 0; i < 5; i++) expect((await rotate(a, tokenA)).status).toBe(201);
    const sentinel = await rotate(a, tokenA, "sentinel");
    const seen = await Promise.all(streams.map((s) => s.before(sentinel.body.id ?? "", 3000)));
    for (const events of seen) expect(events.filter((e) => e.event === "INSERT")).toHaveLength(5);
    await Promise.all(streams.map((s) => s.close()));
    await expect.poll(() => hub.size, { timeout: 2000 }).toBe(0);
  });
});
