// The audit ledger: every read and change leaves its event in the same transaction, admins see
// only their company's, nobody rewrites or removes one through the API's roles, and the sealed
// chain exposes a changed, forged or removed event.
import { randomUUID } from "node:crypto";
import { chainEventsOperation, pruneEvents, verifyLedger } from "@vibot/db";
import { queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createTestApi, tokenFor } from "./support/api";
import { engine } from "./support/database";
import { asRole, sqlState } from "./support/roles";
import { a, api, b, db, rotations, token, useApiSuite } from "./support/suite";

useApiSuite({ maxVersions: 3 });

type EventRow = {
  id: string;
  action: string;
  connector_id: string | null;
  credential_id: string | null;
  version: number | null;
  actor: string | null;
  request_id: string | null;
};

/** Events of a connector, oldest first, as the superuser sees them. */
const eventsOf = (connectorId: string) =>
  db.query<EventRow>(
    "select id::text, action, connector_id, credential_id, version, actor, request_id from connector_credential_events where connector_id = $1 order by id",
    [connectorId],
  );

/** A fresh connector of A's, for tests that count its events. */
async function freshConnector(): Promise<string> {
  const id = randomUUID();
  await db.query("insert into integration_connectors (id, company_id) values ($1, $2)", [
    id,
    a.companyId,
  ]);
  return id;
}

const path = (connectorId: string) => `/v1/connectors/${connectorId}/credentials`;
const chain = () => db.handle.run({}, chainEventsOperation(api.keyring));

describe("events, in the same transaction as their operation", () => {
  it("records rotate, read, rollback (with its source read), destroy and pruning, with request ids and never a secret", async () => {
    const c = await freshConnector();
    for (const secret of ["s-one", "s-two"]) {
      const r = await api.request("POST", path(c), { token, body: { secret } });
      expect(r.status, r.text).toBe(201);
    }
    const read = await api.request("GET", `${path(c)}/current`, { token });
    expect(read.status, read.text).toBe(200);
    const rolled = await api.request("POST", `${path(c)}/rollback`, {
      token,
      body: { version: 1 },
    });
    expect(rolled.status, rolled.text).toBe(201);
    // A fourth version prunes version 1 (3 kept).
    expect((await api.request("POST", path(c), { token, body: { secret: "s-four" } })).status).toBe(
      201,
    );
    expect((await api.request("DELETE", `${path(c)}/2`, { token })).status).toBe(204);

    const events = await eventsOf(c);
    expect(events.map((e) => `${e.action}:${e.version}`)).toEqual([
      "rotate:1",
      "rotate:2",
      "read:2",
      "read:1",
      "rollback:3",
      "rotate:4",
      "destroy:1",
      "destroy:2",
    ]);
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set([a.adminId]));
    expect(events.find((e) => e.action === "read")?.request_id).toBe(
      read.headers.get("x-request-id"),
    );
    const raw = JSON.stringify(await db.query("select * from connector_credential_events"));
    for (const secret of ["s-one", "s-two", "s-four"]) expect(raw).not.toContain(secret);
  });

  it("records an integrity failure although the request fails", async () => {
    const c = await freshConnector();
    expect((await api.request("POST", path(c), { token, body: { secret: "x" } })).status).toBe(201);
    await db.query(
      "update connector_credentials set secret_ciphertext = set_byte(secret_ciphertext, 30, get_byte(secret_ciphertext, 30) # 255) where connector_id = $1",
      [c],
    );
    const read = await api.request("GET", `${path(c)}/current`, { token });
    expect(read.status, read.text).toBe(500);
    expect((await eventsOf(c)).map((e) => e.action)).toEqual(["rotate", "integrity_failure"]);
  });

  it("fails a read whose event cannot be written, returning no plaintext", async () => {
    const c = await freshConnector();
    expect(
      (await api.request("POST", path(c), { token, body: { secret: "kept-back" } })).status,
    ).toBe(201);
    await db.query("revoke insert on connector_credential_events from authenticated");
    try {
      const read = await api.request("GET", `${path(c)}/current`, { token });
      expect(read.status, read.text).toBe(500);
      expect(read.text).not.toContain("kept-back");
    } finally {
      await db.query("grant insert on connector_credential_events to authenticated");
    }
  });

  it("records changes but no reads when CREDENTIALS_AUDIT_READS is off", async () => {
    const quiet = await createTestApi(db, { auditReads: false });
    const c = await freshConnector();
    expect((await quiet.request("POST", path(c), { token, body: { secret: "q" } })).status).toBe(
      201,
    );
    expect((await quiet.request("GET", `${path(c)}/current`, { token })).status).toBe(200);
    expect((await eventsOf(c)).map((e) => e.action)).toEqual(["rotate"]);
  });

  it("lets 32 concurrent readers of one connector proceed, each with its own event", async () => {
    const c = await freshConnector();
    expect((await api.request("POST", path(c), { token, body: { secret: "hot" } })).status).toBe(
      201,
    );
    const reads = await Promise.all(
      Array.from({ length: 32 }, () => api.request("GET", `${path(c)}/current`, { token })),
    );
    expect(reads.map((r) => r.status)).toEqual(Array(32).fill(200));
    const events = await eventsOf(c);
    expect(events.filter((e) => e.action === "read")).toHaveLength(32);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });
});

describe("isolation and append-only", () => {
  it("shows an admin only their company's events", async () => {
    await api.request("GET", `${rotations(a)}/current`, { token });
    const asB = await api.request("GET", "/v1/audit", { token: await tokenFor(b.admin) });
    expect(asB.status, asB.text).toBe(200);
    expect(
      asB.body.events.every((e: { connectorId: string }) => e.connectorId === b.connectorId),
    ).toBe(true);
    const seen = await asRole(db, "authenticated", b.admin, (q) =>
      q<{ n: number }>(
        "select count(*)::int as n from connector_credential_events where company_id = $1",
        [a.companyId],
      ),
    );
    expect(seen).toEqual([{ n: 0 }]);
  });

  it("refuses UPDATE and DELETE as authenticated, service_role and the API's login", async () => {
    for (const role of ["authenticated", "service_role"] as const) {
      for (const statement of [
        "update connector_credential_events set action = 'read'",
        "delete from connector_credential_events",
      ]) {
        expect(await sqlState(asRole(db, role, a.admin, (q) => q(statement)))).toBe("42501");
      }
    }
    // The API's login itself (on PGlite, the session becomes authenticator as the door does).
    const asLogin =
      engine === "postgres"
        ? queryRows(db.handle.db, sql.raw("delete from connector_credential_events"))
        : db.transaction(async (q) => {
            await q("set local session authorization authenticator");
            await q("delete from connector_credential_events");
          });
    expect(await sqlState(asLogin)).toBe("42501");
    // Even the owner may only set an event's chain position, once.
    expect(await sqlState(db.query("update connector_credential_events set action = 'read'"))).toBe(
      "42501",
    );
  });

  it("goes with its company", async () => {
    const company = randomUUID();
    await db.query("insert into companies (id) values ($1)", [company]);
    await db.query(
      `insert into connector_credential_events (company_id, action, seal) values ($1, 'read', 'x')`,
      [company],
    );
    await db.query("delete from companies where id = $1", [company]);
    expect(
      await db.query(
        "select count(*)::int as n from connector_credential_events where company_id = $1",
        [company],
      ),
    ).toEqual([{ n: 0 }]);
  });
});

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
    expect(page1.body.events.map((e: { action: string }) => e.action)).toEqual(["read", "rotate"]);
    expect(page1.body.nextCursor).toBe(page1.body.events[1].id);
    const page2 = await api.request("GET", `${query}&cursor=${page1.body.nextCursor}`, { token });
    expect(page2.body.events.map((e: { version: number }) => e.version)).toEqual([2, 1]);
    expect(page2.body.nextCursor).toBeNull();
    const rotates = await api.request("GET", `/v1/audit?connectorId=${c}&action=rotate`, { token });
    expect(rotates.body.events).toHaveLength(3);
    expect(Object.keys(rotates.body.events[0]).sort()).toEqual(
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
      expect(response.body.error.details[0].field).toBe(field);
    }
  });
});
