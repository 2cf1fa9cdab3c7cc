// The audit ledger's tamper evidence and reading: the sealed chain exposes a changed, forged or
// removed event; the operator's prune keeps it verifiable; GET /v1/audit filters and pages.
import { pruneEvents, verifyLedger } from "@vibot/db";
import { describe, expect, it } from "vitest";
import { chain, eventsOf, freshConnector, path } from "./support/ledger";
import { a, api, b, db, token, useApiSuite } from "./support/suite";

useApiSuite({ maxVersions: 3 });

describe("the operator's prune", () => {
  it("removes events before a date and leaves the chain verifiable from the first remaining one", async () => {
    const c = await freshConnector();
    for (const secret of ["old-1", "old-2"])
      expect((await api.request("POST", path(c), { token, body: { secret } })).status).toBe(201);
    await chain();
    const cut = new Date(Date.now() + 1000);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await api.request("POST", path(c), { token, body: { secret: "new" } })).status).toBe(
      201,
    );
    await chain();
    const pruned = await pruneEvents(db.operator.db, cut);
    expect(pruned).toBeGreaterThan(0);
    expect(
      await db.query(
        "select count(*)::int as n from connector_credential_events where occurred_at < $1",
        [cut.toISOString()],
      ),
    ).toEqual([{ n: 0 }]);
    expect((await eventsOf(c)).map((e) => e.action)).toEqual(["rotate"]);
    const report = await verifyLedger(db.operator.db, api.keyring);
    expect(report.failed).toEqual([]);
  });
});

// Last of the chaining tests: the tampering leaves a chain the sequencer refuses to extend.
describe("tamper evidence", () => {
  /** Runs `work` with the append-only trigger off, as a tamperer with the superuser would. */
  const tamper = (statement: string, params: unknown[] = []) =>
    db.transaction(async (q) => {
      await q("set local session_replication_role = replica");
      await q(statement, params);
    });

  it("chains committed events and verifies them; a changed, a forged and a removed event are each found", async () => {
    const c = await freshConnector();
    for (const secret of ["t1", "t2", "t3"])
      expect((await api.request("POST", path(c), { token, body: { secret } })).status).toBe(201);
    await chain();
    await chain();
    const clean = await verifyLedger(db.operator.db, api.keyring);
    expect(clean.failed).toEqual([]);
    expect(clean.chained).toBeGreaterThan(0);
    const [first, second, third] = await eventsOf(c);
    if (!first || !second || !third) throw new Error("expected three events");

    await tamper("update connector_credential_events set actor = $1 where id = $2", [
      b.adminId,
      first.id,
    ]);
    await tamper(
      "insert into connector_credential_events (company_id, connector_id, action, seal) values ($1, $2, 'read', 'hmac-sha256:k1:00')",
      [a.companyId, c],
    );
    const forged = (await eventsOf(c)).at(-1);
    await tamper("delete from connector_credential_events where id = $1", [second.id]);

    const report = await verifyLedger(db.operator.db, api.keyring);
    expect(report.failed).toEqual(
      expect.arrayContaining([
        { id: first.id, reason: "event_seal_mismatch" },
        { id: forged?.id, reason: "event_seal_mismatch" },
        { id: third.id, reason: "event_missing_before" },
      ]),
    );
  });
});

describe("GET /v1/audit", () => {
  it("filters by connector, action and time, newest first, paginated by cursor", async () => {
    const c = await freshConnector();
    const started = new Date().toISOString();
    for (const secret of ["p1", "p2", "p3"])
      expect((await api.request("POST", path(c), { token, body: { secret } })).status).toBe(201);
    expect((await api.request("GET", `${path(c)}/current`, { token })).status).toBe(200);

    const query = `/v1/audit?connectorId=${c}&since=${encodeURIComponent(started)}&limit=2`;
    const page1 = await api.request("GET", query, { token });
    expect(page1.status, page1.text).toBe(200);
    expect(page1.body.events?.map((e) => e.action)).toEqual(["read", "rotate"]);
    expect(page1.body.nextCursor).toBe(page1.body.events?.[1]?.id);
    const page2 = await api.request("GET", `${query}&cursor=${page1.body.nextCursor}`, { token });
    expect(page2.body.events?.map((e) => e.version)).toEqual([2, 1]);
    expect(page2.body.nextCursor).toBeNull();
    const rotates = await api.request("GET", `/v1/audit?connectorId=${c}&action=rotate`, { token });
    expect(rotates.body.events).toHaveLength(3);
    expect(Object.keys(rotates.body.events?.[0] ?? {}).sort()).toEqual(
      [
        "action",
        "actor",
        "connectorId",
        "credentialId",
        "id",
        "occurredAt",
        "requestId",
        "version",
      ].sort(),
    );
  });

  it("answers bad filters with 400 listing the field", async () => {
    for (const [query, field] of [
      ["connectorId=nope", "connectorId"],
      ["action=peek", "action"],
      ["since=yesterday", "since"],
      ["limit=501", "limit"],
      ["limit=0", "limit"],
      ["cursor=-3", "cursor"],
    ]) {
      const response = await api.request("GET", `/v1/audit?${query}`, { token });
      expect(response.status, `${query}: ${response.text}`).toBe(400);
      expect(response.body.error?.details?.[0]?.field).toBe(field);
    }
  });
});
