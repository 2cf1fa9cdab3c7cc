// Expiry (docs/ARCHITECTURE.md, "Version lifecycle"): information, not enforcement; the expiring
// list; one reminder per version and kind across processes and a restart, on the stream too. Time
// moves by the jobs' injected clock, never by waiting.
import { describe, expect, it } from "vitest";
import { credentialRows } from "./support/fixtures";
import {
  api,
  chainAll,
  DAY,
  db,
  eventsOf,
  FEED,
  inDays,
  jobs,
  path,
  rotate,
  t,
  token,
  useLifecycleSuite,
} from "./support/lifecycle";
import { openSse } from "./support/sse";

useLifecycleSuite();

describe("expiry", () => {
  it("refuses an expiry in the past, and reads an expired secret marked expired", async () => {
    const past = await api.request("POST", path(), {
      token,
      body: { secret: "s", expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect(past.status, past.text).toBe(400);
    expect(past.body.error?.details?.[0]?.field).toBe("expiresAt");
    expect(await credentialRows(db, t.connectorId)).toEqual([]);
    const expiresAt = new Date(Date.now() + 3 * DAY).toISOString();
    await rotate("s", { expiresAt });
    const current = await api.request("GET", `${path()}/current`, { token });
    expect(current.body).toMatchObject({ expiresAt, expired: false });
    // Expiry is information, not enforcement: once passed, the secret still reads.
    await db.query(
      "update connector_credential_lifecycle set expires_at = now() - interval '1 hour' where connector_id = $1",
      [t.connectorId],
    );
    const expired = await api.request("GET", `${path()}/current`, { token });
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ secret: "s", expired: true });
  });

  it("lists the current versions due within the window", async () => {
    const soon = new Date(Date.now() + 2 * DAY).toISOString();
    await rotate("s", { expiresAt: soon });
    const listed = await api.request("GET", "/v1/credentials/expiring?within=3d", { token });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body).toEqual({
      credentials: [{ connectorId: t.connectorId, version: 1, expiresAt: soon, expired: false }],
    });
    const narrow = await api.request("GET", "/v1/credentials/expiring?within=1d", { token });
    expect(narrow.body).toEqual({ credentials: [] });
    const bad = await api.request("GET", "/v1/credentials/expiring?within=soon", { token });
    expect(bad.status).toBe(400);
  });

  it("reminds once per version and kind, across processes and a restart, on the stream too", async () => {
    const expiresAt = new Date(Date.now() + 10 * DAY).toISOString();
    const written = await rotate("s", { expiresAt });
    await chainAll();
    const stream = await openSse(api.app, FEED, { authorization: `Bearer ${token}` });
    const remindersOf = async () =>
      (await eventsOf(t.connectorId)).filter((e) => e.action.startsWith("expir"));
    // Outside the warning window (7 days): nothing (of this connector; the jobs serve them all).
    await jobs(inDays(1)).run();
    expect(await remindersOf()).toEqual([]);
    // Inside it, twice at once: one reminder.
    await Promise.all([jobs(inDays(4)).run(), jobs(inDays(4)).run()]);
    // After the expiry, and again after a "restart" (new jobs, same database): one more.
    await jobs(inDays(11)).run();
    await jobs(inDays(12)).run();
    expect(await remindersOf()).toEqual([
      { action: "expiring", version: 1, actor: null, detail: expiresAt },
      { action: "expired", version: 1, actor: null, detail: expiresAt },
    ]);
    const sentinel = await rotate("sentinel");
    const events = await stream.before(sentinel.id ?? "");
    await stream.close();
    expect(events.map((e) => [e.event, JSON.parse(e.data)])).toEqual([
      ["REMINDER", { type: "expiring", connectorId: t.connectorId, version: 1, expiresAt }],
      ["REMINDER", { type: "expired", connectorId: t.connectorId, version: 1, expiresAt }],
    ]);
    expect(written.version).toBe(1);
  });
});
