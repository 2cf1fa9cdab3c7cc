// Isolation between companies on every route, versions under concurrency, tampering surfaced as
// integrity failures, and no secret or token in any log line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, tokenFor } from "./support/api";
import { openTestDatabase, type TestDatabase } from "./support/database";
import { credentialRows, seedTenant, type Tenant } from "./support/fixtures";

let db: TestDatabase;
let api: Awaited<ReturnType<typeof createTestApi>>;
let a: Tenant;
let b: Tenant;
let tokenA: string;
let tokenB: string;

const SECRET_A = "sk_live_company_a_secret";

beforeAll(async () => {
  db = await openTestDatabase();
  api = await createTestApi(db, { maxVersions: 10 });
  a = await seedTenant(db, "A");
  b = await seedTenant(db, "B");
  tokenA = await tokenFor(a.admin);
  tokenB = await tokenFor(b.admin);
  for (const secret of [SECRET_A, { rotated: SECRET_A }]) {
    const r = await api.request("POST", `/v1/connectors/${a.connectorId}/credentials`, {
      token: tokenA,
      body: { secret },
    });
    expect(r.status, r.text).toBe(201);
  }
});
afterAll(async () => {
  await db.close();
});

describe("across companies", () => {
  it("gives an admin of B 404 for A's connector on every route, and A's rows stay unchanged", async () => {
    const before = await credentialRows(db, a.connectorId);
    const path = `/v1/connectors/${a.connectorId}/credentials`;
    const attempts = [
      api.request("GET", path, { token: tokenB }),
      api.request("GET", `${path}/current`, { token: tokenB }),
      api.request("GET", `${path}/1`, { token: tokenB }),
      api.request("POST", path, { token: tokenB, body: { secret: "hijack" } }),
      api.request("POST", `${path}/rollback`, { token: tokenB, body: { version: 1 } }),
      api.request("DELETE", `${path}/1`, { token: tokenB }),
      api.request("DELETE", path, { token: tokenB }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status, response.text).toBe(404);
      expect(response.body.error?.code).toBe("not_found");
      expect(response.text).not.toContain(SECRET_A);
    }
    expect(await credentialRows(db, a.connectorId)).toEqual(before);
    const [connector] = await db.query<{ last: number }>(
      "select last_credential_version as last from integration_connectors where id = $1",
      [a.connectorId],
    );
    expect(connector?.last).toBe(2);
  });

  it("lists only the caller's company's connectors", async () => {
    const listed = await api.request("GET", "/v1/connectors", { token: tokenB });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.connectors?.map((c: { id: string }) => c.id)).toEqual([b.connectorId]);
  });

  it("reads the company from the top-level claim even when app_metadata names another", async () => {
    const token = await tokenFor({
      ...b.admin,
      app_metadata: { company_id: a.companyId, roles: ["Vibot.admin"] },
    });
    const response = await api.request(
      "GET",
      `/v1/connectors/${a.connectorId}/credentials/current`,
      { token },
    );
    expect(response.status, response.text).toBe(404);
  });
});

describe("concurrency", () => {
  it("answers 50 simultaneous rotations of a new connector with versions 1..50, each once", async () => {
    const created = await api.request("POST", "/v1/connectors", {
      token: tokenB,
      body: { name: "busy", provider: "x" },
    });
    expect(created.status, created.text).toBe(201);
    const path = `/v1/connectors/${created.body.id}/credentials`;
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.request("POST", path, { token: tokenB, body: { secret: { n: i } } }),
      ),
    );
    for (const response of responses) expect(response.status, response.text).toBe(201);
    const versions = responses.map((r) => r.body.version as number).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const kept = await credentialRows(db, created.body.id);
    expect(kept.map((r) => r.version)).toEqual(Array.from({ length: 10 }, (_, i) => 41 + i));
    // The newest version holds the secret of the request that got number 50.
    const winner = responses.find((r) => r.body.version === 50);
    const current = await api.request("GET", `${path}/current`, { token: tokenB });
    expect(current.body.id).toBe(winner?.body.id);
  });

  it("serialises check-and-set: of 10 writers expecting the same version, exactly one wins", async () => {
    const path = `/v1/connectors/${b.connectorId}/credentials`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.request("POST", path, { token: tokenB, body: { secret: "cas", expectedVersion: 0 } }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(409)]);
    expect(await credentialRows(db, b.connectorId)).toHaveLength(1);
  });
});

describe("integrity", () => {
  it("answers a tampered row with 500 integrity_check_failed and logs ids, never the secret", async () => {
    api.logs.length = 0;
    await db.query(
      "update connector_credentials set secret_ciphertext = set_byte(secret_ciphertext, 30, get_byte(secret_ciphertext, 30) # 255) where connector_id = $1 and version = 2",
      [a.connectorId],
    );
    const response = await api.request(
      "GET",
      `/v1/connectors/${a.connectorId}/credentials/current`,
      { token: tokenA },
    );
    expect(response.status, response.text).toBe(500);
    expect(response.body.error?.code).toBe("integrity_check_failed");
    expect(response.text).not.toContain(SECRET_A);

    const security = api.logs
      .map((line) => JSON.parse(line))
      .find((l) => l.event === "security.integrity_check_failed");
    expect(security).toMatchObject({
      connectorId: a.connectorId,
      companyId: a.companyId,
      reason: "checksum_mismatch",
    });
    expect(security.credentialId).toMatch(/^[0-9a-f-]{36}$/);
    // The untampered older version still reads.
    const older = await api.request("GET", `/v1/connectors/${a.connectorId}/credentials/1`, {
      token: tokenA,
    });
    expect(older.body.secret).toBe(SECRET_A);
  });
});

describe("logs", () => {
  it("never contain a secret, a token or key material", async () => {
    const all = api.logs.join("\n");
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(SECRET_A);
    expect(all).not.toContain(tokenA);
    expect(all).not.toContain(api.keyring.active.encryptionKey);
    expect(all).toContain('"event":"request"');
  });
});
