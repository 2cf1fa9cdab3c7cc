// The audit ledger: every read and change leaves its event in the same transaction, admins see
// only their company's, and nobody rewrites or removes one through the API's roles.
import { randomUUID } from "node:crypto";
import { queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createTestApi, tokenFor } from "./support/api";
import { engine } from "./support/database";
import { eventsOf, freshConnector, path } from "./support/ledger";
import { asRole, sqlState } from "./support/roles";
import { a, api, b, db, rotations, token, useApiSuite } from "./support/suite";

useApiSuite({ maxVersions: 3 });

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
    expect((await api.request("DELETE", `${path(c)}/2?purge=true`, { token })).status).toBe(204);

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
    await db.query("revoke insert on connector_credential_events from vault_ledger");
    try {
      const read = await api.request("GET", `${path(c)}/current`, { token });
      expect(read.status, read.text).toBe(500);
      expect(read.text).not.toContain("kept-back");
    } finally {
      await db.query("grant insert on connector_credential_events to vault_ledger");
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
    expect(asB.body.events?.every((e) => e.connectorId === b.connectorId)).toBe(true);
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

  it("refuses, even to the owner, a chaining update that also changes what the event says", async () => {
    const [event] = await db.query<{ id: string }>(
      `insert into connector_credential_events (company_id, action, detail)
      values ($1, 'expiring', '2027-01-01T00:00:00Z') returning id::text`,
      [a.companyId],
    );
    const chainAndChange = (column: string, value: string) =>
      db.query(
        `update connector_credential_events set chain_seq = -1, chain_mac = 'x', ${column} = $2 where id = $1`,
        [event?.id, value],
      );
    expect(await sqlState(chainAndChange("detail", "2099-01-01T00:00:00Z"))).toBe("42501");
    expect(await sqlState(chainAndChange("request_id", "forged"))).toBe("42501");
  });

  it("refuses, even to the owner, to change or clear a seal, or to chain an event twice", async () => {
    // The rule is the trigger's WHEN condition: a comparison with NULL (a seal cleared) must
    // refuse, not let the update through unchecked.
    const [event] = await db.query<{ id: string }>(
      `insert into connector_credential_events (company_id, action, seal)
      values ($1, 'read', 'hmac-sha256:k1:00') returning id::text`,
      [a.companyId],
    );
    const chain = (position: number, seal: string) =>
      db.query(
        `update connector_credential_events set chain_seq = $2, chain_mac = 'x', seal = ${seal}
        where id = $1 returning chain_seq::int as position`,
        [event?.id, position],
      );
    expect(await sqlState(chain(-2, "null"))).toBe("42501");
    expect(await sqlState(chain(-2, "'hmac-sha256:k1:ff'"))).toBe("42501");
    expect(await chain(-2, "seal")).toEqual([{ position: -2 }]);
    expect(await sqlState(chain(-3, "seal"))).toBe("42501");
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
