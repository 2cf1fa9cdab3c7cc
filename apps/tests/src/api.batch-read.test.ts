// POST /v1/credentials/batch-read: many connectors in one request and one statement, each read
// verified and audited on its own, each failure reported on its own, nothing of another company
// revealed; and the same for a sibling app through @vibot/db.
import { randomUUID } from "node:crypto";
import { readCredentials, withRequestContext } from "@vibot/db";
import { describe, expect, it } from "vitest";
import { tokenFor } from "./support/api";
import { eventsOf, freshConnector, path } from "./support/ledger";
import { a, api, b, db, token, useApiSuite } from "./support/suite";

useApiSuite();

const BATCH = "/v1/credentials/batch-read";

async function connectorWith(secret: unknown): Promise<string> {
  const c = await freshConnector();
  const written = await api.request("POST", path(c), { token, body: { secret } });
  expect(written.status, written.text).toBe(201);
  return c;
}

const eventCount = async () =>
  (await db.query<{ n: number }>("select count(*)::int as n from connector_credential_events"))[0]
    ?.n;

describe("a batch of connectors", () => {
  it("returns the good ones and reports each failure on its own, with one event per read", async () => {
    const one = await connectorWith("one");
    const two = await connectorWith({ key: "two" });
    const tampered = await connectorWith("three");
    await db.query(
      "update connector_credentials set secret_ciphertext = set_byte(secret_ciphertext, 30, get_byte(secret_ciphertext, 30) # 255) where connector_id = $1",
      [tampered],
    );
    const missing = randomUUID();
    const theirs = b.connectorId;
    const res = await api.request("POST", BATCH, {
      token,
      body: { connectorIds: [one, missing, two, theirs, tampered, one] },
    });
    expect(res.status, res.text).toBe(200);
    const body = res.body as unknown as {
      credentials: { connectorId: string; secret: unknown; version: number }[];
      errors: { connectorId: string; code: string }[];
    };
    expect(body.credentials.map((c) => [c.connectorId, c.secret])).toEqual([
      [one, "one"],
      [two, { key: "two" }],
    ]);
    expect(body.errors).toEqual([
      { connectorId: missing, code: "not_found" },
      { connectorId: theirs, code: "not_found" },
      { connectorId: tampered, code: "integrity_check_failed" },
    ]);
    expect(res.text).not.toContain("three");
    const requestId = res.headers.get("x-request-id");
    for (const [c, action] of [
      [one, "read"],
      [two, "read"],
      [tampered, "integrity_failure"],
    ] as const) {
      const events = (await eventsOf(c)).filter((e) => e.request_id === requestId);
      expect(events.map((e) => e.action)).toEqual([action]);
    }
    // Nothing was recorded against the other company's connector.
    expect((await eventsOf(theirs)).filter((e) => e.request_id === requestId)).toEqual([]);
    expect(api.logs.join("")).toContain("security.integrity_check_failed");
  });

  it("answers another company's connector exactly as a missing one", async () => {
    const missing = randomUUID();
    const res = await api.request("POST", BATCH, {
      token,
      body: { connectorIds: [b.connectorId, missing] },
    });
    expect(res.status, api.logs.join("")).toBe(200);
    expect(res.text.replaceAll(b.connectorId, "X").replaceAll(missing, "X")).toBe(
      JSON.stringify({
        credentials: [],
        errors: [
          { connectorId: "X", code: "not_found" },
          { connectorId: "X", code: "not_found" },
        ],
      }),
    );
  });

  it("refuses more than 100 ids, a non-uuid and an empty list with 400, recording nothing", async () => {
    const before = await eventCount();
    const ids = Array.from({ length: 101 }, () => randomUUID());
    for (const connectorIds of [ids, ["not-a-uuid"], []]) {
      const res = await api.request("POST", BATCH, { token, body: { connectorIds } });
      expect(res.status, res.text).toBe(400);
      expect(res.body.error?.code).toBe("bad_request");
    }
    expect(await eventCount()).toBe(before);
  });

  it("refuses a caller who is not an admin of a company", async () => {
    const member = await tokenFor(a.member);
    const res = await api.request("POST", BATCH, {
      token: member,
      body: { connectorIds: [a.connectorId] },
    });
    expect(res.status, res.text).toBe(403);
  });

  it("ignores Idempotency-Key and stores nothing of its answer", async () => {
    const c = await connectorWith("idem");
    const key = randomUUID();
    for (let i = 0; i < 2; i++) {
      const res = await api.request("POST", BATCH, {
        token,
        body: { connectorIds: [c] },
        headers: { "idempotency-key": key },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get("idempotent-replayed")).toBeNull();
    }
    expect(await db.query("select 1 from idempotency_keys where key = $1", [key])).toEqual([]);
    expect((await eventsOf(c)).filter((e) => e.action === "read")).toHaveLength(2);
  });
});

describe("readCredentials for sibling apps", () => {
  it("reads many connectors in one call, under the caller's claims and RLS", async () => {
    const one = await connectorWith("sibling-1");
    const two = await connectorWith("sibling-2");
    const read = await withRequestContext(
      db.handle.db,
      { claims: a.admin, role: "authenticated" },
      (tx) => readCredentials(tx, api.keyring, [one, two, b.connectorId]),
    );
    expect(read.credentials.map((c) => JSON.parse(c.secretJson))).toEqual([
      "sibling-1",
      "sibling-2",
    ]);
    expect(read.errors).toEqual([{ connectorId: b.connectorId, code: "not_found" }]);
  });
});
