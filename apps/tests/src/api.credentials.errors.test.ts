// Every error code of SPEC §7 with its status and body shape; every failing write leaves the table
// as it was.
import { randomUUID } from "node:crypto";
import { createApp } from "@vibot/api";
import { createLogger } from "@vibot/api/logger";
import { connectPostgres } from "@vibot/db";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApi, JWT_SECRET, tokenFor } from "./support/api";
import { openTestDatabase, type TestDatabase } from "./support/database";
import { credentialRows, seedTenant, type Tenant } from "./support/fixtures";
import { testKeyring } from "./support/keys";

let db: TestDatabase;
let api: Awaited<ReturnType<typeof createTestApi>>;
let a: Tenant;
let token: string;
let before: Awaited<ReturnType<typeof credentialRows>>;

beforeAll(async () => {
  db = await openTestDatabase();
  api = await createTestApi(db);
  a = await seedTenant(db);
  token = await tokenFor(a.admin);
  const seeded = await api.request("POST", `/v1/connectors/${a.connectorId}/credentials`, {
    token,
    body: { secret: { apiKey: "original" } },
  });
  expect(seeded.status, seeded.text).toBe(201);
});
beforeEach(async () => {
  before = await credentialRows(db);
});
afterAll(async () => {
  await db.close();
});

const base = () => `/v1/connectors/${a.connectorId}/credentials`;

async function expectError(
  response: {
    status: number;
    body: { error?: { code: string; requestId: string } };
    headers: Headers;
    text: string;
  },
  status: number,
  code: string,
) {
  expect(response.status, response.text).toBe(status);
  expect(response.body?.error?.code, response.text).toBe(code);
  expect(response.body.error?.requestId).toBe(response.headers.get("x-request-id"));
  expect(await credentialRows(db)).toEqual(before);
}

describe("400 bad_request", () => {
  it("rejects malformed JSON", async () => {
    const response = await api.request("POST", base(), {
      token,
      raw: "{not json",
      headers: { "content-type": "application/json" },
    });
    await expectError(response, 400, "bad_request");
  });

  it.each([
    ["a missing secret", {}, "secret"],
    ["an array secret", { secret: ["a"] }, "secret"],
    ["a number secret", { secret: 42 }, "secret"],
    ["an empty string secret", { secret: "" }, "secret"],
    ["a negative expectedVersion", { secret: "s", expectedVersion: -1 }, "expectedVersion"],
    ["a fractional expectedVersion", { secret: "s", expectedVersion: 1.5 }, "expectedVersion"],
    ["an unknown field", { secret: "s", extra: true }, "(body)"],
  ])("rejects %s, listing the field", async (_, body, field) => {
    const response = await api.request("POST", base(), { token, body });
    await expectError(response, 400, "bad_request");
    expect(response.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it("rejects a non-uuid connector id on every route", async () => {
    for (const [method, path] of [
      ["GET", "/v1/connectors/not-a-uuid/credentials"],
      ["GET", "/v1/connectors/not-a-uuid/credentials/current"],
      ["DELETE", "/v1/connectors/not-a-uuid/credentials"],
    ] as const) {
      await expectError(await api.request(method, path, { token }), 400, "bad_request");
    }
    await expectError(
      await api.request("POST", "/v1/connectors/123/credentials", { token, body: { secret: "s" } }),
      400,
      "bad_request",
    );
  });

  it.each(["abc", "1.5", "0", "-1", "99999999999"])("rejects the version %s", async (version) => {
    await expectError(
      await api.request("GET", `${base()}/${version}`, { token }),
      400,
      "bad_request",
    );
    await expectError(
      await api.request("DELETE", `${base()}/${version}`, { token }),
      400,
      "bad_request",
    );
  });

  it("rejects a rollback to a non-integer version", async () => {
    await expectError(
      await api.request("POST", `${base()}/rollback`, { token, body: { version: "1" } }),
      400,
      "bad_request",
    );
  });
});

describe("401 unauthorized", () => {
  const cases: [string, () => Promise<Record<string, string>>][] = [
    ["a missing token", async () => ({})],
    ["a malformed token", async () => ({ authorization: "Bearer not.a.jwt!" })],
    [
      "a non-bearer scheme",
      async () => ({ authorization: `Basic ${Buffer.from("a:b").toString("base64")}` }),
    ],
    [
      "an expired token",
      async () => ({
        authorization: `Bearer ${await tokenFor(a.admin, { expiresIn: Math.floor(Date.now() / 1000) - 60 })}`,
      }),
    ],
    [
      "a badly signed token",
      async () => ({
        authorization: `Bearer ${await tokenFor(a.admin, { secret: `${JWT_SECRET}-other` })}`,
      }),
    ],
    [
      "a token without exp",
      async () => ({ authorization: `Bearer ${await tokenFor(a.admin, { omitExp: true })}` }),
    ],
    [
      "a token whose sub is not a uuid",
      async () => ({ authorization: `Bearer ${await tokenFor({ ...a.admin, sub: "admin" })}` }),
    ],
    [
      "an alg: none token",
      async () => {
        const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
        const exp = Math.floor(Date.now() / 1000) + 3600;
        return {
          authorization: `Bearer ${part({ alg: "none", typ: "JWT" })}.${part({ ...a.admin, exp })}.`,
        };
      },
    ],
  ];

  it.each(cases)("rejects %s on reads and writes", async (_, headers) => {
    const h = await headers();
    await expectError(
      await api.request("GET", `${base()}/current`, { headers: h }),
      401,
      "unauthorized",
    );
    await expectError(
      await api.request("POST", base(), { headers: h, body: { secret: "s" } }),
      401,
      "unauthorized",
    );
  });
});

describe("401 after expiry of a token already seen", () => {
  it("refuses a token once it expires, although it verified before", async () => {
    const shortLived = await tokenFor(a.admin, { expiresIn: Math.floor(Date.now() / 1000) + 2 });
    const ok = await api.request("GET", `${base()}/current`, { token: shortLived });
    expect(ok.status, ok.text).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await expectError(
      await api.request("GET", `${base()}/current`, { token: shortLived }),
      401,
      "unauthorized",
    );
  });
});

describe("403 forbidden", () => {
  it("refuses a member without Vibot.admin on every route", async () => {
    const member = await tokenFor(a.member);
    await expectError(
      await api.request("GET", `${base()}/current`, { token: member }),
      403,
      "forbidden",
    );
    await expectError(
      await api.request("POST", base(), { token: member, body: { secret: "s" } }),
      403,
      "forbidden",
    );
    await expectError(await api.request("DELETE", base(), { token: member }), 403, "forbidden");
    await expectError(
      await api.request("GET", "/v1/connectors", { token: member }),
      403,
      "forbidden",
    );
  });

  it("refuses a token without a company claim", async () => {
    const { company_id: _, ...claims } = a.admin;
    await expectError(
      await api.request("GET", `${base()}/current`, { token: await tokenFor(claims) }),
      403,
      "forbidden",
    );
  });

  it("refuses mutations by a token whose sub is not a user, writing nothing", async () => {
    const stranger = await tokenFor({ ...a.admin, sub: randomUUID() });
    await expectError(
      await api.request("POST", base(), { token: stranger, body: { secret: "s" } }),
      403,
      "forbidden",
    );
    await expectError(
      await api.request("POST", `${base()}/rollback`, { token: stranger, body: { version: 1 } }),
      403,
      "forbidden",
    );
    await expectError(
      await api.request("DELETE", `${base()}/1`, { token: stranger }),
      403,
      "forbidden",
    );
    await expectError(await api.request("DELETE", base(), { token: stranger }), 403, "forbidden");
    await expectError(
      await api.request("POST", "/v1/connectors", {
        token: stranger,
        body: { name: "x", provider: "y" },
      }),
      403,
      "forbidden",
    );
    const connectors = await db.query(
      "select 1 from integration_connectors where company_id = $1",
      [a.companyId],
    );
    expect(connectors).toHaveLength(1);
  });
});

describe("404 not_found", () => {
  it("answers an unknown connector on every route", async () => {
    const path = `/v1/connectors/${randomUUID()}/credentials`;
    await expectError(await api.request("GET", path, { token }), 404, "not_found");
    await expectError(await api.request("GET", `${path}/current`, { token }), 404, "not_found");
    await expectError(await api.request("GET", `${path}/1`, { token }), 404, "not_found");
    await expectError(
      await api.request("POST", path, { token, body: { secret: "s" } }),
      404,
      "not_found",
    );
    await expectError(
      await api.request("POST", `${path}/rollback`, { token, body: { version: 1 } }),
      404,
      "not_found",
    );
    await expectError(await api.request("DELETE", `${path}/1`, { token }), 404, "not_found");
    await expectError(await api.request("DELETE", path, { token }), 404, "not_found");
  });

  it("answers a version that does not exist", async () => {
    await expectError(await api.request("GET", `${base()}/99`, { token }), 404, "not_found");
    await expectError(await api.request("DELETE", `${base()}/99`, { token }), 404, "not_found");
    await expectError(
      await api.request("POST", `${base()}/rollback`, { token, body: { version: 99 } }),
      404,
      "not_found",
    );
  });

  it("answers the current version of a connector that has none", async () => {
    const empty = await api.request("POST", "/v1/connectors", {
      token,
      body: { name: "empty", provider: "x" },
    });
    expect(empty.status, empty.text).toBe(201);
    await expectError(
      await api.request("GET", `/v1/connectors/${empty.body.id}/credentials/current`, { token }),
      404,
      "not_found",
    );
  });

  it("answers an unknown route in the same shape", async () => {
    await expectError(await api.request("GET", "/v1/nothing-here", { token }), 404, "not_found");
  });
});

describe("409 version_conflict", () => {
  it("refuses a stale expectedVersion and 0 when a version exists", async () => {
    await expectError(
      await api.request("POST", base(), { token, body: { secret: "s", expectedVersion: 7 } }),
      409,
      "version_conflict",
    );
    await expectError(
      await api.request("POST", base(), { token, body: { secret: "s", expectedVersion: 0 } }),
      409,
      "version_conflict",
    );
    await expectError(
      await api.request("POST", `${base()}/rollback`, {
        token,
        body: { version: 1, expectedVersion: 5 },
      }),
      409,
      "version_conflict",
    );
  });
});

describe("413 payload_too_large and 415 unsupported_media_type", () => {
  it("refuses a secret over 65,536 bytes of JSON", async () => {
    const secret = "é".repeat(32_768); // 65,536 bytes of UTF-8, plus the JSON quotes
    await expectError(
      await api.request("POST", base(), { token, body: { secret } }),
      413,
      "payload_too_large",
    );
  });

  it("accepts a secret of exactly 65,536 bytes of JSON", async () => {
    const response = await api.request("POST", base(), {
      token,
      body: { secret: "x".repeat(65_534) },
    });
    expect(response.status, response.text).toBe(201);
  });

  it("refuses a body over 128 KiB", async () => {
    const body = { secret: "s", padding: "x".repeat(140_000) };
    await expectError(await api.request("POST", base(), { token, body }), 413, "payload_too_large");
  });

  it("refuses a body that is not JSON", async () => {
    const response = await api.request("POST", base(), {
      token,
      raw: "secret=s",
      headers: { "content-type": "text/plain" },
    });
    await expectError(response, 415, "unsupported_media_type");
  });
});

describe("500 and 503", () => {
  it("answers internal_error for an unexpected failure, without leaking its text", async () => {
    const { logs } = api;
    const failing = createApp({
      database: {
        ...db.handle,
        // The real database, except that every request fails with a driver-like message.
        run: () => Promise.reject(new Error("boom: params sk_live_leak")),
      },
      keyring: await testKeyring(),
      logger: createLogger("silent"),
      jwtSecret: JWT_SECRET,
      maxVersions: 10,
    });
    const response = await failing.request(`${base()}/current`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { error: { code: string } };
    expect(response.status).toBe(500);
    expect(body.error.code).toBe("internal_error");
    expect(JSON.stringify(body)).not.toContain("sk_live_leak");
    expect(logs.join("")).not.toContain("sk_live_leak");
  });

  it("answers service_unavailable when the database is unreachable, on routes and /readyz", async () => {
    const down = connectPostgres("postgres://postgres@127.0.0.1:1/nothing", { max: 1 });
    const app = createApp({
      database: down,
      keyring: await testKeyring(),
      logger: createLogger("silent"),
      jwtSecret: JWT_SECRET,
      maxVersions: 10,
    });
    const response = await app.request(`${base()}/current`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("service_unavailable");
    const ready = await app.request("/readyz");
    expect(ready.status).toBe(503);
    await down.close();
  });

  it("reports missing migrations on /readyz", async () => {
    const [newest] = await db.query<{ id: number }>(
      "select max(id) as id from drizzle.__drizzle_migrations",
    );
    const saved = await db.query("select * from drizzle.__drizzle_migrations where id = $1", [
      newest?.id,
    ]);
    await db.query("delete from drizzle.__drizzle_migrations where id = $1", [newest?.id]);
    try {
      const ready = await api.request("GET", "/readyz");
      expect(ready.status).toBe(503);
      expect(ready.body.error.code).toBe("service_unavailable");
    } finally {
      const row = saved[0] as { id: number; hash: string; created_at: string };
      await db.query(
        "insert into drizzle.__drizzle_migrations (id, hash, created_at) values ($1, $2, $3)",
        [row.id, row.hash, row.created_at],
      );
    }
    expect((await api.request("GET", "/readyz")).status).toBe(200);
  });
});
