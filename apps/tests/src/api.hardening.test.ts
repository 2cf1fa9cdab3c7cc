// Token rules and hostile input: each refused with a 4xx that changes nothing, and secrets kept
// exactly as written.
import { createHmac, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { JWT_SECRET, tokenFor } from "./support/api";
import { credentialRows, type Tenant } from "./support/fixtures";
import { a, api, b, db, rotations, token, useApiSuite } from "./support/suite";

useApiSuite();

const FEED = "/v1/realtime?channel=public:connector_credentials";
const current = (t: Tenant) => `${rotations(t)}/current`;

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
      headers: { authorization: `bearer ${token}` },
    });
    expect(response.status, response.text).toBe(200);
  });
});

describe("hostile input", () => {
  it("refuses a secret nested 6,000 levels deep with 400, writing nothing", async () => {
    const before = await credentialRows(db, a.connectorId);
    const deep = `${'{"k":'.repeat(6000)}"v"${"}".repeat(6000)}`;
    const response = await api.request("POST", rotations(a), {
      token: token,
      raw: `{"secret":${deep}}`,
      headers: { "content-type": "application/json" },
    });
    expect(response.status, response.text).toBe(400);
    expect(response.body.error?.details?.[0]?.field).toBe("secret");
    expect(await credentialRows(db, a.connectorId)).toEqual(before);
  });

  it("refuses a connector name containing NUL with 400, creating nothing", async () => {
    const before = await db.query("select id from integration_connectors");
    const response = await api.request("POST", "/v1/connectors", {
      token: token,
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
        token: token,
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
