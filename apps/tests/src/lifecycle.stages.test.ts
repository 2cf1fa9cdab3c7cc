// Staged rotation (docs/ARCHITECTURE.md, "Version lifecycle"): a pending version that /current does
// not return until it is promoted, promote under concurrency, retention that keeps every stage, and
// the batch read by stage. Over HTTP as an admin, on both engines.
import { describe, expect, it } from "vitest";
import { credentialRows } from "./support/fixtures";
import {
  api,
  chainAll,
  db,
  eventsOf,
  FEED,
  path,
  rotate,
  stagesOf,
  t,
  token,
  useLifecycleSuite,
} from "./support/lifecycle";
import { openSse } from "./support/sse";

useLifecycleSuite();

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
