// Realtime streams bound to their token: capped per token, ended at expiry, and keyed by company
// id as a uuid; event ids reveal no sequence.
import { describe, expect, it } from "vitest";
import { createTestApi, tokenFor } from "./support/api";
import { openSse } from "./support/sse";
import { a, api, b, db, rotations, token, useApiSuite } from "./support/suite";

useApiSuite({ realtime: { heartbeatMs: 100 } });

const FEED = "/v1/realtime?channel=public:connector_credentials";

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

  it("caps streams per company across tokens with 429", async () => {
    const capped = await createTestApi(db, {
      realtime: { limits: { maxStreamsPerToken: 10, maxStreamsPerCompany: 2 } },
    });
    // Three tokens of the company (distinct `exp`, so distinct tokens).
    const tokens = await Promise.all(
      ["1h", "2h", "3h"].map((expiresIn) => tokenFor(a.admin, { expiresIn })),
    );
    const open = await Promise.all(
      tokens.slice(0, 2).map((t) => openSse(capped.app, FEED, { authorization: `Bearer ${t}` })),
    );
    const refused = await capped.request("GET", FEED, { token: tokens[2] });
    expect(refused.status, refused.text).toBe(429);
    expect(refused.body.error?.code).toBe("too_many_requests");
    // Another company is not held to A's count.
    const other = await openSse(capped.app, FEED, {
      authorization: `Bearer ${await tokenFor(b.admin)}`,
    });
    expect(other.status).toBe(200);
    await Promise.all([...open, other].map((s) => s.close()));
  });

  it("ends a stream when its token expires", async () => {
    const token = await tokenFor(a.admin, { expiresIn: "2s" });
    const stream = await openSse(api.app, FEED, { authorization: `Bearer ${token}` });
    await expect.poll(() => stream.raw(), { timeout: 4_000 }).toContain(": token expired");
    await stream.close();
  });

  it("delivers events to a company claim in upper case, with ids that reveal no sequence", async () => {
    const upper = await tokenFor({ ...a.admin, company_id: a.companyId.toUpperCase() });
    const stream = await openSse(api.app, FEED, { authorization: `Bearer ${upper}` });
    // Rotated with the ordinary (lower-case) claim: the stream must still hear it.
    expect(
      (await api.request("POST", rotations(a), { token, body: { secret: "s3" } })).status,
    ).toBe(201);
    const [event] = await stream.waitFor(1, 3_000);
    expect(event?.id).toMatch(/^l1\.[0-9a-f]{32}$/);
    await stream.close();
  });
});
