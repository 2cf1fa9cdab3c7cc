// The hub's database listener: it chains and publishes by itself when another sequencer held the
// chain or a publication failed, and retries a LISTEN that failed.

import { createLogger } from "@vibot/api/logger";
import { RealtimeHub } from "@vibot/api/realtime";
import { CHAIN_LOCK_KEY, type DatabaseHandle, DatabaseUnavailableError } from "@vibot/db";
import { describe, expect, it } from "vitest";
import { tokenFor } from "./support/api";
import { engine } from "./support/database";
import { seedTenant } from "./support/fixtures";
import {
  a,
  api,
  bearer,
  db,
  FEED,
  latch,
  rotate,
  tokenA,
  useRealtimeSuite,
} from "./support/realtime";
import { openSse } from "./support/sse";

useRealtimeSuite();

describe("the listener", () => {
  // Another process's sequencer holding the chain, as a transaction of our own holding its lock.
  it.runIf(engine === "postgres")(
    "chains a change itself once another sequencer lets go of the chain",
    async () => {
      const tenant = await seedTenant(db, "Busy chain");
      const token = await tokenFor(tenant.admin);
      const stream = await openSse(api.app, FEED, bearer(token));
      const released = latch();
      const locked = latch();
      const holder = db.transaction(async (query) => {
        // The sequencer's advisory lock.
        await query(`select pg_advisory_xact_lock(${CHAIN_LOCK_KEY})`);
        locked.open();
        await released.opened;
      });
      await locked.opened;
      const written = await rotate(tenant, token);
      expect(written.status, written.text).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(stream.events).toHaveLength(0);
      // The holder ends without chaining anything (nor announcing): the hub tries again itself.
      released.open();
      await holder;
      const [event] = await stream.waitFor(1, 2000);
      await stream.close();
      expect(JSON.parse(event?.data ?? "{}").new.id).toBe(written.body.id);
    },
  );

  it("publishes again on its own after a publication failed", async () => {
    let failures = 1;
    const flaky: DatabaseHandle = {
      ...db.handle,
      run: (claims, operation, options) => {
        const sent = "statements" in operation.body ? operation.body.statements : [];
        // The publication's statement: every company's changes chained after a position.
        if (failures > 0 && JSON.stringify(sent).includes("chain_seq >")) {
          failures--;
          return Promise.reject(new DatabaseUnavailableError("unreachable"));
        }
        return db.handle.run(claims, operation, options);
      },
    };
    const fresh = new RealtimeHub(flaky, api.keyring, createLogger("silent"));
    const received: string[] = [];
    const detach = await fresh.subscribe(a.companyId, (event) =>
      received.push("new" in event.payload ? (event.payload.new.id ?? "") : ""),
    );
    const written = await rotate(a, tokenA);
    expect(written.status).toBe(201);
    // The announcement's publication failed; nothing announces that batch again.
    await expect.poll(() => received, { timeout: 3000 }).toContain(written.body.id);
    expect(failures).toBe(0);
    detach();
    fresh.close();
  });

  it("retries LISTEN after a failure and keeps no state for the refused subscriber", async () => {
    const attempts: string[] = [];
    const flaky = {
      ...db.handle,
      listen: async (
        channel: string,
        onPayload: (payload: string) => void,
        onListen?: () => void,
      ) => {
        attempts.push(channel);
        if (attempts.length === 1) throw new Error("database down");
        return db.handle.listen(channel, onPayload, onListen);
      },
    };
    const fresh = new RealtimeHub(flaky, api.keyring, createLogger("silent"));
    await expect(fresh.subscribe(a.companyId, () => undefined)).rejects.toThrow("database down");
    expect(fresh.size).toBe(0);
    const received: string[] = [];
    const detach = await fresh.subscribe(a.companyId, (event) => received.push(event.kind));
    expect(fresh.size).toBe(1);
    expect((await rotate(a, tokenA)).status).toBe(201);
    // The rotation's INSERT (and, past retention, the DELETE of the oldest version).
    await expect.poll(() => received[0], { timeout: 2000 }).toBe("INSERT");
    detach();
    expect(fresh.size).toBe(0);
    // The failed LISTEN, then the sequencer's announcements once (no writer notifies).
    expect(attempts).toEqual(["connector_credential_events", "connector_credential_events"]);
  });
});
