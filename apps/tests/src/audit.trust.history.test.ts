// The ledger's history under operators' changes and mistakes: the README's data-key rotation leaves
// every event verifiable, checkpoints and prune records expose a ledger cut short, a stalled chain
// is reported, and hostile dates are refused.
import { randomUUID } from "node:crypto";
import { reencryptAll } from "@vibot/api/commands/reencrypt";
import { Keyring } from "@vibot/crypto";
import { chainEventsOperation, pruneEvents, verifyKeyring, verifyLedger } from "@vibot/db";
import { describe, expect, it } from "vitest";
import { K1, K2, keyringJson } from "./support/keys";
import { chain, eventsOf, freshConnector, path } from "./support/ledger";
import { api, db, token, useApiSuite } from "./support/suite";

useApiSuite();

describe("the README's data-key rotation", () => {
  it("leaves every event sealed before it verifiable, and a change to one detected, after k1 is retired", async () => {
    const c = await freshConnector();
    for (const secret of ["before-1", "before-2"])
      expect((await api.request("POST", path(c), { token, body: { secret } })).status).toBe(201);
    expect((await api.request("GET", `${path(c)}/current`, { token })).status).toBe(200);
    await chain();
    // 1. add k2, 2. activate it, 3. re-encrypt, 4. verify, 5. retire k1.
    const both = await Keyring.fromJson(keyringJson("k2", { k1: K1, k2: K2 }));
    await verifyKeyring(db.handle, both);
    const report = await reencryptAll(db.operator.db, both);
    expect(report.failed).toEqual([]);
    await db.handle.run({}, chainEventsOperation(both));
    expect((await verifyLedger(db.operator.db, both)).failed).toEqual([]);
    const retired = await Keyring.fromJson(keyringJson("k2", { k2: K2 }));
    await verifyKeyring(db.handle, retired);

    const after = await verifyLedger(db.operator.db, retired);
    expect(after.failed).toEqual([]);
    expect(after.chained).toBeGreaterThan(4);
    const [first] = await eventsOf(c);
    await db.transaction(async (q) => {
      await q("set local session_replication_role = replica");
      await q("update connector_credential_events set request_id = 'rewritten' where id = $1", [
        first?.id,
      ]);
    });
    expect((await verifyLedger(db.operator.db, retired)).failed).toEqual([
      { id: first?.id, reason: "event_seal_mismatch" },
    ]);
    await db.transaction(async (q) => {
      await q("set local session_replication_role = replica");
      await q("update connector_credential_events set request_id = $2 where id = $1", [
        first?.id,
        first?.request_id,
      ]);
    });
  });
});

describe("checkpoints, prunes and a stalled chain", () => {
  const asSuperuser = (statement: string, params: unknown[] = []) =>
    db.transaction(async (q) => {
      await q("set local session_replication_role = replica");
      await q(statement, params);
    });

  it("detects the newest events removed after a checkpoint was taken", async () => {
    const c = await freshConnector();
    for (const secret of ["n1", "n2", "n3"])
      expect((await api.request("POST", path(c), { token, body: { secret } })).status).toBe(201);
    await chain();
    const taken = await verifyLedger(db.operator.db, api.keyring);
    expect(taken.failed).toEqual([]);
    const checkpoint = taken.checkpoint;
    if (!checkpoint) throw new Error("expected a checkpoint");
    expect(
      (await verifyLedger(db.operator.db, api.keyring, { checkpoint })).extendsCheckpoint,
    ).toBe("yes");

    const newest = await db.query<{ id: string }>(
      "select id::text from connector_credential_events where chain_seq > $1::bigint - 2 and chain_seq is not null",
      [checkpoint.seq],
    );
    await asSuperuser(
      "delete from connector_credential_events where chain_seq > $1::bigint - 2 and chain_seq is not null",
      [checkpoint.seq],
    );
    expect(newest.length).toBe(2);
    const cut = await verifyLedger(db.operator.db, api.keyring, { checkpoint });
    expect(cut.failed).toEqual([]);
    expect(cut.extendsCheckpoint).toBe("no");
  });

  it("detects a prefix removed outside the operator's prune, and accepts the prune's", async () => {
    const [first] = await db.query<{ id: string }>(
      "select id::text from connector_credential_events where chain_seq is not null order by chain_seq limit 1",
    );
    await asSuperuser(
      "delete from connector_credential_events where chain_seq = (select min(chain_seq) from connector_credential_events)",
    );
    const cut = await verifyLedger(db.operator.db, api.keyring);
    expect(first).toBeDefined();
    expect(cut.failed.map((f) => f.reason)).toEqual(["event_missing_before"]);

    // The operator's prune records where it cut: the chain stays anchored and keeps growing.
    const pruned = await pruneEvents(db.operator.db, new Date(Date.now() + 60_000));
    expect(pruned).toBeGreaterThan(0);
    const c = await freshConnector();
    expect((await api.request("POST", path(c), { token, body: { secret: "p" } })).status).toBe(201);
    expect(await chain()).toBeGreaterThan(0);
    expect((await verifyLedger(db.operator.db, api.keyring)).failed).toEqual([]);
  });

  it("reports events unchained for over a minute, with their count", async () => {
    const before = await verifyLedger(db.operator.db, api.keyring);
    expect(before.stalled.count).toBe(0);
    const c = await freshConnector();
    for (const secret of ["s1", "s2"])
      expect((await api.request("POST", path(c), { token, body: { secret } })).status).toBe(201);
    await asSuperuser(
      "update connector_credential_events set occurred_at = now() - interval '2 minutes' where connector_id = $1",
      [c],
    );
    const stalled = await verifyLedger(db.operator.db, api.keyring);
    expect(stalled.stalled.count).toBe(2);
    await chain();
    expect((await verifyLedger(db.operator.db, api.keyring)).stalled.count).toBe(0);
  });
});

describe("hostile dates", () => {
  it("answers GET /v1/audit with a since outside 0001-9999 with 400, not 500", async () => {
    for (const since of [
      "0000-01-01T00:00:00Z",
      "10000-01-01T00:00:00Z",
      "-000001-01-01T00:00:00Z",
    ]) {
      const res = await api.request("GET", `/v1/audit?since=${encodeURIComponent(since)}`, {
        token,
      });
      expect(res.status, res.text).toBe(400);
    }
  });

  it("answers a cursor that is not one of ours with 400", async () => {
    for (const cursor of ["-1", "99999999999999999999", randomUUID()]) {
      const res = await api.request("GET", `/v1/audit?cursor=${cursor}`, { token });
      expect(res.status, res.text).toBe(400);
    }
  });
});
