// @vibot/client against the real API on a free port (both engines): every route typed, errors as
// classes, the cache of current secrets (served from memory, one request per miss, keyed by
// identity, evicted by the change feed, TTL, stale-if-error), safe retries, and recovery after an
// outage. Timing is only checked as a lower bound (Retry-After) or an upper bound of seconds.
import { randomUUID } from "node:crypto";
import {
  BadRequestError,
  createVaultClient,
  NotFoundError,
  UnauthorizedError,
  type VaultClientOptions,
  VaultError,
  VaultUnreachableError,
  VersionConflictError,
} from "@vibot/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { tokenFor } from "./support/api";
import { eventually, recordingLogger, type ServedApi, serveTestApi, sleep } from "./support/client";
import { openTestDatabase, type TestDatabase } from "./support/database";
import { credentialRows, seedTenant, type Tenant } from "./support/fixtures";

let db: TestDatabase;
let served: ServedApi;
let a: Tenant;
let b: Tenant;
let tokenA: string;
const clients: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  db = await openTestDatabase();
  served = await serveTestApi(db);
  a = await seedTenant(db, "A");
  b = await seedTenant(db, "B");
  tokenA = await tokenFor(a.admin);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await served.stop();
  await db.close();
});

/** A client of A's (unless told otherwise) that counts the requests it sends. */
function client(options: Partial<VaultClientOptions> = {}) {
  const sent: Request[] = [];
  const made = createVaultClient({
    baseUrl: served.url,
    getToken: () => tokenA,
    logger: recordingLogger(),
    fetch: ((input: Request | string, init?: RequestInit) => {
      const request = new Request(input, init);
      sent.push(request);
      return fetch(request);
    }) as typeof fetch,
    ...options,
  });
  clients.push(made);
  const reads = () =>
    sent.filter((r) => r.method === "GET" && r.url.endsWith("/credentials/current")).length;
  return Object.assign(made, { sent, reads });
}

/** Reads until the value is served from memory (the feed is live and the entry cached). */
async function warm(vault: ReturnType<typeof client>, connectorId: string) {
  const cached = await eventually(async () => {
    const before = vault.reads();
    await vault.getCurrent(connectorId);
    return vault.reads() === before;
  });
  expect(cached, "getCurrent never served from memory").toBe(true);
}

async function newConnector(secret: string | Record<string, unknown> = "v1") {
  const vault = client({ realtime: false });
  const connector = await vault.createConnector({ name: `c-${randomUUID()}`, provider: "test" });
  await vault.rotate(connector.id, { secret });
  return connector.id;
}

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

describe("getCurrent's cache", () => {
  it("serves from memory after the first read, and makes one request for concurrent misses", async () => {
    const connectorId = await newConnector();
    const vault = client();
    await warm(vault, connectorId);
    const before = vault.reads();
    const many = await Promise.all(Array.from({ length: 50 }, () => vault.getCurrent(connectorId)));
    expect(new Set(many.map((c) => c.version))).toEqual(new Set([1]));
    expect(vault.reads() - before).toBe(0);

    const cold = client({ realtime: false });
    await Promise.all(Array.from({ length: 20 }, () => cold.getCurrent(connectorId)));
    expect(cold.reads()).toBe(1);
  });

  it("evicts on another client's rotation and destroy, within a second", async () => {
    const connectorId = await newConnector();
    const reader = client();
    const writer = client({ realtime: false });
    await warm(reader, connectorId);
    const rotated = await writer.rotate(connectorId, { secret: "v2" });
    const seen = await eventually(
      async () => (await reader.getCurrent(connectorId)).version === rotated.version,
      1_000,
    );
    expect(seen).toBe(true);
    await writer.destroyAll(connectorId);
    expect(
      await eventually(
        async () => (await reader.getCurrent(connectorId).catch((e) => e)) instanceof NotFoundError,
        1_000,
      ),
    ).toBe(true);
  });

  it("keys entries by identity: another company's token never gets a cached entry", async () => {
    const connectorId = await newConnector("a-secret");
    let token = tokenA;
    const vault = client({ realtime: false, getToken: () => token });
    expect((await vault.getCurrent(connectorId)).secret).toBe("a-secret");
    token = await tokenFor(b.admin);
    expect(await vault.getCurrent(connectorId).catch((e) => e)).toBeInstanceOf(NotFoundError);
  });

  it("refreshes after the TTL when no feed keeps it fresh", async () => {
    const connectorId = await newConnector();
    const vault = client({ realtime: false, cacheTtlMs: 100 });
    await vault.getCurrent(connectorId);
    await vault.getCurrent(connectorId);
    expect(vault.reads()).toBe(1);
    await sleep(150);
    await vault.getCurrent(connectorId);
    expect(vault.reads()).toBe(2);
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

describe("outages and the stream", () => {
  it("serves the last value within staleIfErrorMs while the API is down, then recovers by itself", async () => {
    const connectorId = await newConnector();
    const logger = recordingLogger();
    const vault = client({ staleIfErrorMs: 1_500, logger, retry: { retries: 0 } });
    await warm(vault, connectorId);
    await served.stop();
    try {
      // Once the client noticed (its stream broke), each read is a warned stale answer.
      const warned = await eventually(async () => {
        expect((await vault.getCurrent(connectorId)).version).toBe(1);
        return logger.warnings.length > 0;
      }, 1_000);
      expect(warned).toBe(true);
      await sleep(1_600);
      expect(await vault.getCurrent(connectorId).catch((e) => e)).toBeInstanceOf(
        VaultUnreachableError,
      );
    } finally {
      await served.start();
    }
    const writer = client({ realtime: false });
    await eventually(async () => (await vault.getCurrent(connectorId).catch(() => null)) !== null);
    const rotated = await writer.rotate(connectorId, { secret: "after" });
    expect(
      await eventually(
        async () => (await vault.getCurrent(connectorId)).version === rotated.version,
        5_000,
      ),
    ).toBe(true);
  });

  it("reconnects with a fresh token and Last-Event-ID when its token expires, and closes with the client", async () => {
    const connectorId = await newConnector();
    let issued = 0;
    const vault = client({
      getToken: () => {
        issued++;
        return tokenFor(a.admin, { expiresIn: "2s" });
      },
    });
    const streams = () => vault.sent.filter((r) => r.url.includes("/v1/realtime"));
    await vault.getCurrent(connectorId);
    await vault.rotate(connectorId, { secret: "v2" });
    expect(await eventually(() => streams().length >= 2, 6_000)).toBe(true);
    const reconnect = streams()[1] as Request;
    expect(reconnect.headers.get("last-event-id")).toMatch(/^[\w.-]+\.[0-9a-f]{32}$/);
    expect(issued).toBeGreaterThan(2);
    await vault.close();
    const count = streams().length;
    await sleep(600);
    expect(streams().length).toBe(count);
  });
});
