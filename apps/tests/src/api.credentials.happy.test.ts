// Every endpoint's happy path, through app.request() on a real (embedded or server) database.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApi, tokenFor } from "./support/api";
import { openTestDatabase, type TestDatabase } from "./support/database";
import { credentialRows, seedTenant, type Tenant } from "./support/fixtures";

let db: TestDatabase;
let api: Awaited<ReturnType<typeof createTestApi>>;
let a: Tenant;
let token: string;

beforeAll(async () => {
  db = await openTestDatabase();
  api = await createTestApi(db, { maxVersions: 3 });
  a = await seedTenant(db);
  token = await tokenFor(a.admin);
});
afterAll(async () => {
  await db.close();
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe("connectors", () => {
  it("creates a connector in the caller's company and lists it", async () => {
    const created = await api.request("POST", "/v1/connectors", {
      token,
      body: { name: "Billing", provider: "stripe" },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      companyId: a.companyId,
      name: "Billing",
      provider: "stripe",
    });
    expect(created.body.createdAt).toMatch(ISO);

    const listed = await api.request("GET", "/v1/connectors", { token });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.connectors?.map((c: { id: string }) => c.id)).toEqual(
      expect.arrayContaining([a.connectorId, created.body.id]),
    );
  });
});

describe("credentials", () => {
  // Each test has a company and connector of its own, and writes the versions it needs.
  let t: Tenant;
  let tokenT: string;
  beforeEach(async () => {
    t = await seedTenant(db, "T");
    tokenT = await tokenFor(t.admin);
  });
  const path = () => `/v1/connectors/${t.connectorId}/credentials`;
  const rotate = async (...secrets: unknown[]) => {
    for (const secret of secrets) {
      const written = await api.request("POST", path(), { token: tokenT, body: { secret } });
      expect(written.status, written.text).toBe(201);
    }
  };

  it("lists no versions for a connector without any", async () => {
    const listed = await api.request("GET", path(), { token: tokenT });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body).toEqual({ versions: [], currentVersion: null });
  });

  it("rotates: version 1, then 2, returning metadata only", async () => {
    const first = await api.request("POST", path(), {
      token: tokenT,
      body: { secret: { apiKey: "sk_1" }, expectedVersion: 0 },
    });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toEqual({
      id: expect.any(String),
      connectorId: t.connectorId,
      companyId: t.companyId,
      version: 1,
      rotatedAt: expect.stringMatching(ISO),
      rotatedBy: t.adminId,
      stage: "current",
    });
    expect(first.text).not.toContain("sk_1");
    const second = await api.request("POST", path(), {
      token: tokenT,
      body: { secret: "plain-string-secret", expectedVersion: 1 },
    });
    expect(second.status, second.text).toBe(201);
    expect(second.body.version).toBe(2);
  });

  it("reads the current secret exactly as written (a string)", async () => {
    await rotate({ apiKey: "sk_1" }, "plain-string-secret");
    const current = await api.request("GET", `${path()}/current`, { token: tokenT });
    expect(current.status, current.text).toBe(200);
    expect(current.body).toEqual({
      id: expect.any(String),
      connectorId: t.connectorId,
      version: 2,
      secret: "plain-string-secret",
      rotatedAt: expect.stringMatching(ISO),
      rotatedBy: t.adminId,
      stage: "current",
      expiresAt: null,
      expired: false,
    });
  });

  it("reads a specific version exactly as written (an object)", async () => {
    await rotate({ apiKey: "sk_1" }, "plain-string-secret");
    const v1 = await api.request("GET", `${path()}/1`, { token: tokenT });
    expect(v1.status, v1.text).toBe(200);
    expect(v1.body.secret).toEqual({ apiKey: "sk_1" });
  });

  it("lists versions newest first with the current version", async () => {
    await rotate("one", "two");
    const listed = await api.request("GET", path(), { token: tokenT });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.currentVersion).toBe(2);
    expect(listed.body.versions?.map((v) => v.version)).toEqual([2, 1]);
    expect(Object.keys(listed.body.versions?.[0] ?? {}).sort()).toEqual([
      "expiresAt",
      "id",
      "purgeAfter",
      "rotatedAt",
      "rotatedBy",
      "stage",
      "version",
    ]);
    expect(listed.body.versions?.map((v) => v.stage)).toEqual(["current", "previous"]);
  });

  it("rolls back by writing a new version with an earlier secret", async () => {
    await rotate({ apiKey: "sk_1" }, "two");
    const rolled = await api.request("POST", `${path()}/rollback`, {
      token: tokenT,
      body: { version: 1, expectedVersion: 2 },
    });
    expect(rolled.status, rolled.text).toBe(201);
    expect(rolled.body.version).toBe(3);
    const current = await api.request("GET", `${path()}/current`, { token: tokenT });
    expect(current.body).toMatchObject({ version: 3, secret: { apiKey: "sk_1" } });
  });

  it("keeps only the newest CREDENTIALS_MAX_VERSIONS versions", async () => {
    await rotate("one", "two", "three", "four");
    expect((await credentialRows(db, t.connectorId)).map((r) => r.version)).toEqual([2, 3, 4]);
  });

  it("destroys one version at once with ?purge=true", async () => {
    await rotate("one", "two", "three");
    const destroyed = await api.request("DELETE", `${path()}/2?purge=true`, { token: tokenT });
    expect(destroyed.status, destroyed.text).toBe(204);
    expect((await credentialRows(db, t.connectorId)).map((r) => r.version)).toEqual([1, 3]);
    const gone = await api.request("GET", `${path()}/2`, { token: tokenT });
    expect(gone.status, gone.text).toBe(404);
  });

  it("destroys every version with ?purge=true, and the next rotation continues the numbering", async () => {
    await rotate("one", "two", "three");
    const destroyed = await api.request("DELETE", `${path()}?purge=true`, { token: tokenT });
    expect(destroyed.status, destroyed.text).toBe(204);
    expect(await credentialRows(db, t.connectorId)).toEqual([]);
    const listed = await api.request("GET", path(), { token: tokenT });
    expect(listed.body).toEqual({ versions: [], currentVersion: null });
    const next = await api.request("POST", path(), {
      token: tokenT,
      body: { secret: "after destruction" },
    });
    expect(next.status, next.text).toBe(201);
    expect(next.body.version).toBe(4);
  });
});

describe("operations", () => {
  it("answers /healthz and /readyz without a token", async () => {
    const health = await api.request("GET", "/healthz");
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: "ok" });
    const ready = await api.request("GET", "/readyz");
    expect(ready.status, ready.text).toBe(200);
  });

  it("serves the interactive reference at /docs", async () => {
    const docs = await api.request("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toContain("text/html");
    expect(docs.text).toContain("/openapi.json");
  });

  it("sends X-Request-Id on every response", async () => {
    const response = await api.request("GET", "/healthz");
    expect(response.headers.get("x-request-id")).toMatch(/.{8,}/);
  });
});
