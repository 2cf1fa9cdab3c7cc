// Security hardening: token rules, hostile input as 4xx that writes nothing, the fail-closed guard,
// pgcrypto never reached through a role's search path, least privilege, the key canary, and
// realtime streams bound to their token.
import { createHmac, randomUUID } from "node:crypto";
import { Keyring } from "@vibot/crypto";
import { leastPrivilegeProblem, sessionPrivileges, verifyKeyring } from "@vibot/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, JWT_SECRET, tokenFor } from "./support/api";
import { engine, openTestDatabase, type TestDatabase } from "./support/database";
import { credentialRows, seedTenant, type Tenant } from "./support/fixtures";
import { K1, K2, keyringJson } from "./support/keys";
import { sqlState } from "./support/roles";
import { openSse } from "./support/sse";

let db: TestDatabase;
let api: Awaited<ReturnType<typeof createTestApi>>;
let a: Tenant;
let b: Tenant;
let tokenA: string;
const FEED = "/v1/realtime?channel=public:connector_credentials";
const current = (t: Tenant) => `/v1/connectors/${t.connectorId}/credentials/current`;
const rotations = (t: Tenant) => `/v1/connectors/${t.connectorId}/credentials`;

beforeAll(async () => {
  db = await openTestDatabase();
  api = await createTestApi(db, { realtime: { heartbeatMs: 100 } });
  a = await seedTenant(db, "A");
  b = await seedTenant(db, "B");
  tokenA = await tokenFor(a.admin);
  expect(
    (await api.request("POST", rotations(a), { token: tokenA, body: { secret: "s1" } })).status,
  ).toBe(201);
});
afterAll(async () => {
  await db.close();
});

/** An HS256 token over a payload given as raw JSON text (for values jose will not produce). */
function rawToken(payloadJson: string): string {
  const part = (text: string) => Buffer.from(text).toString("base64url");
  const body = `${part(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${part(payloadJson)}`;
  return `${body}.${createHmac("sha256", JWT_SECRET).update(body).digest("base64url")}`;
}

describe("tokens", () => {
  it("refuses a token without the configured audience, or with another", async () => {
    for (const audience of [null, "anon"]) {
      const token = await tokenFor(a.admin, { audience });
      const response = await api.request("GET", current(a), { token });
      expect(response.status, response.text).toBe(401);
    }
  });

  it("refuses a token issued more than 60 s in the future", async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { ...a.admin, aud: "authenticated", iat: now + 120, exp: now + 3600 };
    const response = await api.request("GET", current(a), {
      token: rawToken(JSON.stringify(payload)),
    });
    expect(response.status, response.text).toBe(401);
  });

  it("refuses an exp that is not finite", async () => {
    const claims = JSON.stringify({ ...a.admin, aud: "authenticated" }).slice(0, -1);
    const response = await api.request("GET", current(a), {
      token: rawToken(`${claims},"exp":1e400}`),
    });
    expect(response.status, response.text).toBe(401);
  });

  it("accepts the scheme name in any case", async () => {
    const response = await api.request("GET", current(a), {
      headers: { authorization: `bearer ${tokenA}` },
    });
    expect(response.status, response.text).toBe(200);
  });
});

describe("hostile input", () => {
  it("refuses a secret nested 6,000 levels deep with 400, writing nothing", async () => {
    const before = await credentialRows(db, a.connectorId);
    const deep = `${'{"k":'.repeat(6000)}"v"${"}".repeat(6000)}`;
    const response = await api.request("POST", rotations(a), {
      token: tokenA,
      raw: `{"secret":${deep}}`,
      headers: { "content-type": "application/json" },
    });
    expect(response.status, response.text).toBe(400);
    expect(response.body.error.details[0].field).toBe("secret");
    expect(await credentialRows(db, a.connectorId)).toEqual(before);
  });

  it("refuses a connector name containing NUL with 400, creating nothing", async () => {
    const before = await db.query("select id from integration_connectors");
    const response = await api.request("POST", "/v1/connectors", {
      token: tokenA,
      body: { name: "bad\u0000name", provider: "x" },
    });
    expect(response.status, response.text).toBe(400);
    expect(await db.query("select id from integration_connectors")).toEqual(before);
  });

  it("stores and returns a __proto__ key exactly as written", async () => {
    const raw = '{"secret":{"__proto__":{"polluted":1},"k":"v"}}';
    const written = await api.request("POST", rotations(b), {
      token: await tokenFor(b.admin),
      raw,
      headers: { "content-type": "application/json" },
    });
    expect(written.status, written.text).toBe(201);
    const read = await api.request("GET", current(b), { token: await tokenFor(b.admin) });
    expect(read.status, read.text).toBe(200);
    expect(read.text).toContain('"secret":{"__proto__":{"polluted":1},"k":"v"}');
  });

  it("answers an out-of-range Last-Event-ID with 400", async () => {
    for (const id of ["99999999999999999999", "-1", "8640000000005001", "abc"]) {
      const response = await api.request("GET", FEED, {
        token: tokenA,
        headers: { "last-event-id": id },
      });
      expect(response.status, `${id}: ${response.text}`).toBe(400);
    }
  });

  it("refuses destroying a connector with no versions by a sub that is not a user", async () => {
    const connectorId = randomUUID();
    await db.query("insert into integration_connectors (id, company_id) values ($1, $2)", [
      connectorId,
      a.companyId,
    ]);
    const stranger = await tokenFor({ ...a.admin, sub: randomUUID() });
    const response = await api.request("DELETE", `/v1/connectors/${connectorId}/credentials`, {
      token: stranger,
    });
    expect(response.status, response.text).toBe(403);
  });

  it("reads claims that are not JSON as no company and no role, never an error", async () => {
    const [row] = await db.transaction(async (query) => {
      await query("select set_config('request.jwt.claims', '{not json', true)");
      await query("set local role authenticated");
      return query<{ company: string | null; admin: boolean }>(
        "select public.current_company_id() as company, public.has_role('Vibot.admin') as admin",
      );
    });
    expect(row).toEqual({ company: null, admin: false });
  });
});

describe("the write guard fails closed", () => {
  it("checks a role that merely inherits service_role's grants", async () => {
    // Under RLS through authenticated, with claims naming A but a subject who is no user of A:
    // only the guard stands between it and A's rows.
    const role = `inheritor_${randomUUID().slice(0, 8)}`;
    await db.query(`create role ${role} nologin inherit in role service_role, authenticated`);
    const claims = { ...a.admin, sub: b.adminId };
    const state = await sqlState(
      db.transaction(async (query) => {
        await query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);
        await query(`set local role ${role}`);
        await query("delete from connector_credentials where company_id = $1", [a.companyId]);
      }),
    );
    expect(state).toBe("42501");
    expect((await credentialRows(db, a.connectorId)).length).toBeGreaterThan(0);
  });
});

describe("pgcrypto is never reached through a role's search path", () => {
  it("gives no key to a same-named function in a schema named after the role", async () => {
    // PostgreSQL's default path; the embedded engine's session starts with `public` alone.
    if (engine === "pglite") await db.query(`set search_path = "$user", public`);
    await db.query("create table public.captured (key text)");
    await db.query("create schema service_role");
    await db.query("grant usage on schema service_role to service_role, authenticated");
    for (const [name, args] of [
      ["pgp_sym_encrypt", "d text, k text, o text"],
      ["pgp_sym_decrypt", "d bytea, k text"],
    ] as const) {
      await db.query(
        `create function service_role.${name}(${args}) returns ${name.endsWith("encrypt") ? "bytea" : "text"}
         language plpgsql security definer as $$ begin insert into public.captured values (k); return null; end $$`,
      );
    }
    // Control: the shadow is what an unqualified call finds first as service_role.
    await db.transaction(async (query) => {
      await query("set local role service_role");
      await query("select pgp_sym_encrypt('x', 'control-key', '')");
    });
    expect(await db.query("select key from public.captured")).toEqual([{ key: "control-key" }]);
    await db.query("delete from public.captured");

    const written = await api.request("POST", rotations(a), {
      token: tokenA,
      body: { secret: "s2" },
    });
    expect(written.status, written.text).toBe(201);
    const rolledBack = await api.request("POST", `${rotations(a)}/rollback`, {
      token: tokenA,
      body: { version: 1 },
    });
    expect(rolledBack.status, rolledBack.text).toBe(201);
    expect(await db.query("select key from public.captured")).toEqual([]);
  });
});

describe.runIf(engine === "postgres")("least privilege", () => {
  it("finds the API's login fit, and refuses a superuser naming the fix", async () => {
    expect(leastPrivilegeProblem(await sessionPrivileges(db.handle))).toBeUndefined();
    const problem = leastPrivilegeProblem(await sessionPrivileges(db.operator));
    expect(problem).toMatch(/superuser.*NOINHERIT IN ROLE authenticator/);
  });
});

describe("the key canary", () => {
  it("refuses a keyring whose key for a known kid differs, naming the kid", async () => {
    await verifyKeyring(db.handle, await Keyring.fromJson(keyringJson("k1", { k1: K1 })));
    const before = await db.query("select kid, check_value from keyring_checks order by kid");
    const swapped = await Keyring.fromJson(keyringJson("k1", { k1: K2 }));
    await expect(verifyKeyring(db.handle, swapped)).rejects.toThrow(/"k1"/);
    expect(await db.query("select kid, check_value from keyring_checks order by kid")).toEqual(
      before,
    );
  });
});

describe("realtime streams", () => {
  it("caps streams per token with 429 and Retry-After", async () => {
    const token = await tokenFor(a.admin);
    const open = await Promise.all(
      Array.from({ length: 5 }, () => openSse(api.app, FEED, { authorization: `Bearer ${token}` })),
    );
    const refused = await api.request("GET", FEED, { token });
    expect(refused.status, refused.text).toBe(429);
    expect(refused.headers.get("retry-after")).toBeTruthy();
    await Promise.all(open.map((s) => s.close()));
  });

  it("ends a stream when its token expires", async () => {
    const token = await tokenFor(a.admin, { expiresIn: "2s" });
    const stream = await openSse(api.app, FEED, { authorization: `Bearer ${token}` });
    await expect.poll(() => stream.raw(), { timeout: 4_000 }).toContain(": token expired");
    await stream.close();
  });

  it("delivers events to a company claim in upper case, with ids that reveal no sequence", async () => {
    const token = await tokenFor({ ...a.admin, company_id: a.companyId.toUpperCase() });
    const stream = await openSse(api.app, FEED, { authorization: `Bearer ${token}` });
    expect(
      (await api.request("POST", rotations(a), { token: tokenA, body: { secret: "s3" } })).status,
    ).toBe(201);
    const [event] = await stream.waitFor(1, 3_000);
    expect(event?.id).toMatch(/^\d+-[0-9a-f]{12}$/);
    await stream.close();
  });
});
