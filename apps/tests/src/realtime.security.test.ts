// Realtime streams bound to their token: capped per token, ended at expiry, and keyed by company
// id as a uuid; event ids reveal no sequence.
import { describe, expect, it } from "vitest";
import { tokenFor } from "./support/api";
import { openSse } from "./support/sse";
import { a, api, rotations, useApiSuite } from "./support/suite";

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
      (await api.request("POST", rotations(a), { token: token, body: { secret: "s3" } })).status,
    ).toBe(201);
    const [event] = await stream.waitFor(1, 3_000);
    expect(event?.id).toMatch(/^\d+-[0-9a-f]{12}$/);
    await stream.close();
  });
});
