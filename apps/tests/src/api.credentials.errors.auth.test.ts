// 401 unauthorized and 403 forbidden: bad tokens, expired ones, non-admins and non-users; nothing
// written.
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { JWT_SECRET, tokenFor } from "./support/api";
import { a, api, base, db, expectError, useErrorSuite } from "./support/error-suite";

useErrorSuite();

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
    // The clock moves, not the wall: only Date is faked, timers and I/O run as usual.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 2_100 });
    try {
      await expectError(
        await api.request("GET", `${base()}/current`, { token: shortLived }),
        401,
        "unauthorized",
      );
    } finally {
      vi.useRealTimers();
    }
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
