// @vibot/client against the real API on a free port (both engines): every route typed, errors as
// classes, and safe retries (a lost response retried under the same Idempotency-Key writes once;
// DELETE is not retried; Retry-After is honoured).
import { randomUUID } from "node:crypto";
import {
  BadRequestError,
  NotFoundError,
  UnauthorizedError,
  VaultError,
  VaultUnreachableError,
  VersionConflictError,
} from "@vibot/client";
import { describe, expect, it } from "vitest";
import { client, db, newConnector, useClientSuite } from "./support/client-suite";
import { credentialRows } from "./support/fixtures";

useClientSuite();

describe("one typed method per route", () => {
  it("creates, lists, rotates, reads, rolls back, destroys and audits", async () => {
    const vault = client({ realtime: false });
    expect(await vault.health()).toEqual({ status: "ok" });
    const connector = await vault.createConnector({ name: "crm", provider: "hubspot" });
    expect((await vault.listConnectors()).map((c) => c.id)).toContain(connector.id);
    const first = await vault.rotate(connector.id, { secret: { apiKey: "one" } });
    await vault.rotate(connector.id, { secret: "two", expectedVersion: first.version });
    expect((await vault.fetchCurrent(connector.id)).secret).toBe("two");
    expect((await vault.getVersion(connector.id, 1)).secret).toEqual({ apiKey: "one" });
    const back = await vault.rollback(connector.id, { version: 1 });
    expect(back.version).toBe(3);
    expect((await vault.listVersions(connector.id)).currentVersion).toBe(3);
    await vault.destroyVersion(connector.id, 2);
    const audit = await vault.listAudit({ connectorId: connector.id, action: "destroy" });
    expect(audit.events.map((e) => e.version)).toEqual([2]);
    await vault.destroyAll(connector.id);
    expect((await vault.listVersions(connector.id)).versions).toEqual([]);
  });

  it("throws a typed error per code, with status, request id and details", async () => {
    const vault = client({ realtime: false });
    const missing = await vault.fetchCurrent(randomUUID()).catch((e) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toBeInstanceOf(VaultError);
    expect(missing).toMatchObject({ code: "not_found", status: 404 });
    expect(missing.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const connectorId = await newConnector();
    const stale = await vault
      .rotate(connectorId, { secret: "x", expectedVersion: 0 })
      .catch((e) => e);
    expect(stale).toBeInstanceOf(VersionConflictError);
    const invalid = await vault.rotate(connectorId, {} as never).catch((e) => e);
    expect(invalid).toBeInstanceOf(BadRequestError);
    expect(invalid.details[0].field).toBe("secret");
    const stranger = client({ realtime: false, getToken: () => "not-a-token" });
    expect(await stranger.listConnectors().catch((e) => e)).toBeInstanceOf(UnauthorizedError);
  });
});

describe("retries", () => {
  it("retries a rotation whose response was lost with the same Idempotency-Key: one version", async () => {
    const connectorId = await newConnector();
    let lose = true;
    const keys: (string | null)[] = [];
    const vault = client({
      realtime: false,
      fetch: (async (input: Request) => {
        keys.push(input.headers.get("idempotency-key"));
        const response = await fetch(input);
        if (lose && input.method === "POST") {
          lose = false;
          throw new TypeError("fetch failed: socket hang up");
        }
        return response;
      }) as typeof fetch,
    });
    const written = await vault.rotate(connectorId, { secret: "once" });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBe(keys[0]);
    expect(written.version).toBe(2);
    expect((await credentialRows(db, connectorId)).map((r) => r.version)).toEqual([1, 2]);
  });

  it("does not retry a DELETE, and honours Retry-After on 503", async () => {
    const connectorId = await newConnector();
    let attempts = 0;
    const failing = client({
      realtime: false,
      fetch: (async () => {
        attempts++;
        throw new TypeError("fetch failed");
      }) as typeof fetch,
    });
    expect(await failing.destroyAll(connectorId).catch((e) => e)).toBeInstanceOf(
      VaultUnreachableError,
    );
    expect(attempts).toBe(1);

    let busy = 1;
    const vault = client({
      realtime: false,
      fetch: (async (input: Request) => {
        if (busy-- > 0)
          return new Response('{"error":{"code":"service_unavailable"}}', {
            status: 503,
            headers: { "retry-after": "1" },
          });
        return fetch(input);
      }) as typeof fetch,
    });
    const started = Date.now();
    expect((await vault.getCurrent(connectorId)).version).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });
});
