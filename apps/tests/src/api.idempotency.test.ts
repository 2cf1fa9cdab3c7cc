// Idempotency-Key on every POST: a repeat with the same key and body within 24 h gets
// the first response and writes nothing, racing repeats included; another body is 422
// idempotency_key_reused and writes nothing; keys are scoped to the caller (company and sub), answered only to a caller who may write, and kept only for a write that happened; an invalid
// key is 400; an expired one starts afresh.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { tokenFor } from "./support/api";
import { credentialRows } from "./support/fixtures";
import { eventsOf, freshConnector, path } from "./support/ledger";
import { a, api, b, db, token, useApiSuite } from "./support/suite";

useApiSuite();

const withKey = (key: string, body: unknown) => ({
  token,
  body,
  headers: { "idempotency-key": key },
});

describe("a repeated POST with the same Idempotency-Key and body", () => {
  it("returns the first rotation's response and writes nothing more", async () => {
    const connector = await freshConnector();
    const key = randomUUID();
    const first = await api.request("POST", path(connector), withKey(key, { secret: "s1" }));
    const again = await api.request("POST", path(connector), withKey(key, { secret: "s1" }));
    expect(first.status, first.text).toBe(201);
    expect(again.status, again.text).toBe(201);
    expect(again.text).toBe(first.text);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await credentialRows(db, connector)).map((r) => r.version)).toEqual([1]);
    expect((await eventsOf(connector)).map((e) => e.action)).toEqual(["rotate"]);
  });

  it("answers racing repeats with one write, all with the first response", async () => {
    const connector = await freshConnector();
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.request("POST", path(connector), withKey(key, { secret: { n: 1 } })),
      ),
    );
    for (const answer of answers) expect(answer.status, answer.text).toBe(201);
    expect(new Set(answers.map((r) => r.text)).size).toBe(1);
    expect((await credentialRows(db, connector)).map((r) => r.version)).toEqual([1]);
  });

  it("replays a rollback and a connector creation the same way", async () => {
    const connector = await freshConnector();
    await api.request("POST", path(connector), { token, body: { secret: "old" } });
    await api.request("POST", path(connector), { token, body: { secret: "new" } });
    const key = randomUUID();
    const rollback = `${path(connector)}/rollback`;
    const first = await api.request("POST", rollback, withKey(key, { version: 1 }));
    const again = await api.request("POST", rollback, withKey(key, { version: 1 }));
    expect(first.status, first.text).toBe(201);
    expect(again.text).toBe(first.text);
    expect((await credentialRows(db, connector)).map((r) => r.version)).toEqual([1, 2, 3]);

    const created = randomUUID();
    const name = `crm-${created}`;
    const body = { name, provider: "hubspot" };
    const one = await api.request("POST", "/v1/connectors", withKey(created, body));
    const two = await api.request("POST", "/v1/connectors", withKey(created, body));
    expect(one.status, one.text).toBe(201);
    expect(two.text).toBe(one.text);
    const [stored] = await db.query<{ count: number }>(
      "select count(*)::int as count from integration_connectors where company_id = $1 and name = $2",
      [a.companyId, name],
    );
    expect(stored?.count).toBe(1);
  });

  it("remembers no refusal: after a 409, the same key with a corrected body writes", async () => {
    const connector = await freshConnector();
    const key = randomUUID();
    await api.request("POST", path(connector), { token, body: { secret: "x" } });
    const refused = await api.request(
      "POST",
      path(connector),
      withKey(key, { secret: "y", expectedVersion: 0 }),
    );
    expect(refused.status, refused.text).toBe(409);
    expect(await db.query("select 1 from idempotency_keys where key = $1", [key])).toEqual([]);
    const corrected = await api.request(
      "POST",
      path(connector),
      withKey(key, { secret: "y", expectedVersion: 1 }),
    );
    expect(corrected.status, corrected.text).toBe(201);
    expect(corrected.headers.get("idempotent-replayed")).toBeNull();
    expect((await credentialRows(db, connector)).map((r) => r.version)).toEqual([1, 2]);
  });
});

describe("a reused key with another request", () => {
  it("is 422 idempotency_key_reused for another body or path, and writes nothing", async () => {
    const connector = await freshConnector();
    const other = await freshConnector();
    const key = randomUUID();
    await api.request("POST", path(connector), withKey(key, { secret: "s1" }));
    const body = await api.request("POST", path(connector), withKey(key, { secret: "s2" }));
    expect(body.status, body.text).toBe(422);
    expect(body.body.error?.code).toBe("idempotency_key_reused");
    expect(body.body.error?.requestId).toBe(body.headers.get("x-request-id"));
    const elsewhere = await api.request("POST", path(other), withKey(key, { secret: "s1" }));
    expect(elsewhere.status, elsewhere.text).toBe(422);
    expect((await credentialRows(db, connector)).map((r) => r.version)).toEqual([1]);
    expect(await credentialRows(db, other)).toEqual([]);
  });
});

describe("scope and lifetime", () => {
  it("keeps each company's keys apart", async () => {
    const key = randomUUID();
    const mine = await api.request("POST", path(a.connectorId), withKey(key, { secret: "a" }));
    const theirs = await api.request("POST", path(b.connectorId), {
      token: await tokenFor(b.admin),
      body: { secret: "a" },
      headers: { "idempotency-key": key },
    });
    expect(mine.status, mine.text).toBe(201);
    expect(theirs.status, theirs.text).toBe(201);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect(theirs.body.companyId).toBe(b.companyId);
  });

  it("never replays one admin's key to another admin of the same company", async () => {
    const connector = await freshConnector();
    const key = randomUUID();
    const secondAdmin = randomUUID();
    await db.query("insert into users (id, company_id) values ($1, $2)", [
      secondAdmin,
      a.companyId,
    ]);
    const other = await tokenFor({ ...a.admin, sub: secondAdmin });
    const first = await api.request("POST", path(connector), withKey(key, { secret: "s" }));
    const second = await api.request("POST", path(connector), {
      token: other,
      body: { secret: "s" },
      headers: { "idempotency-key": key },
    });
    expect(first.status, first.text).toBe(201);
    expect(second.status, second.text).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBeNull();
    expect(second.body.rotatedBy).toBe(secondAdmin);
    expect((await credentialRows(db, connector)).map((r) => r.version)).toEqual([1, 2]);
  });

  it("authorizes before replaying: a sub that is not a user of the company gets 403", async () => {
    const connector = await freshConnector();
    const key = randomUUID();
    const first = await api.request("POST", path(connector), withKey(key, { secret: "s" }));
    expect(first.status, first.text).toBe(201);
    for (const sub of [randomUUID(), b.adminId]) {
      const stranger = await api.request("POST", path(connector), {
        token: await tokenFor({ ...a.admin, sub }),
        body: { secret: "s" },
        headers: { "idempotency-key": key },
      });
      expect(stranger.status, stranger.text).toBe(403);
    }
    expect((await credentialRows(db, connector)).map((r) => r.version)).toEqual([1]);
  });

  it("forgets a key after 24 hours: the same request then writes again", async () => {
    const connector = await freshConnector();
    const key = randomUUID();
    const first = await api.request("POST", path(connector), withKey(key, { secret: "s" }));
    await db.query(
      "update idempotency_keys set created_at = now() - interval '25 hours' where key = $1",
      [key],
    );
    const later = await api.request("POST", path(connector), withKey(key, { secret: "s" }));
    expect(later.status, later.text).toBe(201);
    expect(later.body.version).toBe((first.body.version ?? 0) + 1);
  });

  it("refuses an invalid key with 400 and writes nothing", async () => {
    const connector = await freshConnector();
    for (const bad of ["x".repeat(256), "has space", "tab\there"]) {
      const answer = await api.request("POST", path(connector), withKey(bad, { secret: "s" }));
      expect(answer.status, bad).toBe(400);
      expect(answer.body.error?.details?.[0]?.field).toBe("idempotency-key");
    }
    expect(await credentialRows(db, connector)).toEqual([]);
  });

  it("stores no secret: the key keeps a keyed digest and metadata rows only", async () => {
    const connector = await freshConnector();
    const key = randomUUID();
    await api.request("POST", path(connector), withKey(key, { secret: "hunter2-marker" }));
    const rows = await db.query<{ row: string }>(
      "select row_to_json(k)::text as row from idempotency_keys k where key = $1",
      [key],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.row).not.toContain("hunter2-marker");
  });
});
