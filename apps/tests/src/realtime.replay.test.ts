// The realtime feed's replay: Last-Event-ID brings back every change of the company that followed
// that event, deletions included, in order and once, whatever order the changes committed in.

import { openEventId } from "@vibot/crypto";
import { pruneEvents, withRequestContext, writeCredentialVersion } from "@vibot/db";
import { describe, expect, it } from "vitest";
import { createTestApi, tokenFor } from "./support/api";
import { engine } from "./support/database";
import { seedTenant } from "./support/fixtures";
import {
  a,
  api,
  b,
  bearer,
  db,
  FEED,
  latch,
  rotate,
  tokenA,
  tokenB,
  useRealtimeSuite,
} from "./support/realtime";
import { openSse } from "./support/sse";

useRealtimeSuite();

describe("replay", () => {
  it("sends reset instead of a replay for an id older than the replay window, or pruned, then streams on", async () => {
    const stream = await openSse(api.app, FEED, bearer(tokenA));
    expect((await rotate(a, tokenA)).status).toBe(201);
    const [seen] = await stream.waitFor(1);
    await stream.close();
    const resume = async (app: typeof api.app) => {
      const resumed = await openSse(app, FEED, {
        ...bearer(tokenA),
        "last-event-id": seen?.id ?? "",
      });
      // A later change is the sentinel: whatever precedes it is all the replay sent.
      const sentinel = await rotate(a, tokenA, "sentinel");
      const events = await resumed.waitFor(2);
      await resumed.close();
      expect(JSON.parse(events[1]?.data ?? "{}").new.id).toBe(sentinel.body.id);
      return events.map((e) => e.event);
    };
    // A replay window of a millisecond: the id is older than it.
    const narrow = await createTestApi(db, { realtime: { replayMaxAgeMs: 1 } });
    expect(await resume(narrow.app)).toEqual(["reset", "INSERT"]);
    // The operator's prune took the id's event.
    await pruneEvents(db.operator.db, new Date(Date.now() + 60_000));
    expect(await resume(api.app)).toEqual(["reset", "INSERT"]);
  });

  it("replays every change missed since Last-Event-ID, deletions included, in order, once", async () => {
    const stream = await openSse(api.app, FEED, bearer(tokenA));
    const first = await rotate(a, tokenA);
    expect(first.status).toBe(201);
    const [seen] = await stream.waitFor(1);
    await stream.close();
    // While away: a rotation, then its destruction, and B's activity.
    const missed = await rotate(a, tokenA, "missed while away");
    expect((await rotate(b, tokenB)).status).toBe(201);
    const destroyed = await api.request(
      "DELETE",
      `/v1/connectors/${a.connectorId}/credentials/${missed.body.version}?purge=true`,
      { token: tokenA },
    );
    expect(destroyed.status, destroyed.text).toBe(204);

    const resumed = await openSse(api.app, FEED, {
      ...bearer(tokenA),
      "last-event-id": seen?.id ?? "",
    });
    // A change after the reconnect is the sentinel: the replay is everything before it.
    const sentinel = await rotate(a, tokenA, "sentinel");
    const replayed = await resumed.before(sentinel.body.id ?? "");
    await resumed.close();
    expect(seen?.id).toMatch(/^l1\.[0-9a-f]{32}$/);
    expect(
      replayed.map((e) => [e.event, JSON.parse(e.data).new.id ?? JSON.parse(e.data).old.id]),
    ).toEqual([
      ["INSERT", missed.body.id],
      ["DELETE", missed.body.id],
      // The destroyed version was current: the one before it is current again.
      ["UPDATE", first.body.id],
    ]);
    expect(JSON.parse(replayed[2]?.data ?? "{}")).toMatchObject({
      old: { stage: "previous" },
      new: { stage: "current" },
    });
    // Replayed, the DELETE carries the same metadata of the destroyed version as live.
    const [insertedAgain, deletedAgain] = resumed.events.map((e) => JSON.parse(e.data));
    const { stage: _, ...written } = insertedAgain.new;
    expect(deletedAgain.old).toEqual(written);
    expect(deletedAgain.old).toMatchObject({
      rotatedAt: missed.body.rotatedAt,
      rotatedBy: a.adminId,
    });
    // Opaque ids, in ledger order: they open to increasing ledger positions.
    const ids = [seen, ...replayed].map((e) => openEventId(api.keyring, e?.id ?? "", "position"));
    expect(ids.every((id) => id !== undefined)).toBe(true);
    expect(ids).toEqual([...ids].sort((x, y) => (x && y && x < y ? -1 : 1)));
  });

  // Ledger ids are drawn before commit, so two changes can commit in the other order than their
  // ids. A stream that resumed by ledger id missed the smaller one; by chain position it cannot.
  // Concurrent transactions on one database: PostgreSQL only (PGlite runs one at a time).
  it.runIf(engine === "postgres")(
    "replays a change that committed after a later-numbered one the client had seen",
    async () => {
      const tenant = await seedTenant(db, "Order");
      const token = await tokenFor(tenant.admin);
      const other = await api.request("POST", "/v1/connectors", {
        token,
        body: { name: "second", provider: "test" },
      });
      expect(other.status, other.text).toBe(201);
      const stream = await openSse(api.app, FEED, bearer(token));
      // A rotation of the first connector records its event, then waits to commit…
      const committing = latch();
      const recorded = latch();
      const slow = withRequestContext(
        db.handle.db,
        { claims: tenant.admin, role: "service_role" },
        async (tx) => {
          const written = await writeCredentialVersion(tx, api.keyring, {
            connectorId: tenant.connectorId,
            secretJson: '"committed second"',
            rotatedBy: tenant.adminId,
            maxVersions: 10,
          });
          recorded.open();
          await committing.opened;
          return written;
        },
      );
      await recorded.opened;
      // …while a rotation of the second one, numbered after it, commits first and is seen.
      const fast = await api.request("POST", `/v1/connectors/${other.body.id}/credentials`, {
        token,
        body: { secret: "committed first" },
      });
      expect(fast.status, fast.text).toBe(201);
      const [seen] = await stream.waitFor(1);
      await stream.close();
      expect(JSON.parse(seen?.data ?? "{}").new.id).toBe(fast.body.id);
      // Away: the earlier-numbered rotation commits. Back with the id last seen: it arrives, once.
      committing.open();
      const slowWritten = await slow;
      const [ledgerSlow, ledgerFast] = await db.query<{ id: string }>(
        "select e.id::text from connector_credential_events e where e.company_id = $1 and e.action = 'rotate' order by e.id",
        [tenant.companyId],
      );
      // The slow rotation holds the smaller ledger id.
      expect(ledgerSlow && ledgerFast && BigInt(ledgerSlow.id) < BigInt(ledgerFast.id)).toBe(true);

      const resumed = await openSse(api.app, FEED, {
        ...bearer(token),
        "last-event-id": seen?.id ?? "",
      });
      const sentinel = await rotate(tenant, token, "sentinel");
      const before = await resumed.before(sentinel.body.id ?? "", 2000);
      await resumed.close();
      const [missed] = before;
      expect(before).toHaveLength(1);
      expect(JSON.parse(missed?.data ?? "{}").new.id).toBe(slowWritten.id);
    },
  );
});
