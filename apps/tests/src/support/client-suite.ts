// The client suites' setup: the API served on a free port, companies A and B, and clients of A's
// that count the requests they send (closed after each test). Live bindings, as in suite.ts.
import { randomUUID } from "node:crypto";
import { createVaultClient, type VaultClientOptions } from "@vibot/client";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { tokenFor } from "./api";
import { eventually, recordingLogger, type ServedApi, serveTestApi } from "./client";
import { openTestDatabase, type TestDatabase } from "./database";
import { seedTenant, type Tenant } from "./fixtures";

export let db: TestDatabase;
export let served: ServedApi;
export let a: Tenant;
export let b: Tenant;
export let tokenA: string;
const clients: { close(): Promise<void> }[] = [];

export function useClientSuite() {
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
}

/** A client of A's (unless told otherwise) that counts the requests it sends. */
export function client(options: Partial<VaultClientOptions> = {}) {
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

/**
 * Reads until the value is served from memory (the feed is live and the entry cached), and no
 * change committed before the call can still evict it: see `delivered`.
 */
export async function warm(vault: ReturnType<typeof client>, connectorId: string) {
  await cached(vault, connectorId);
  await delivered(vault);
  await cached(vault, connectorId);
}

async function cached(vault: ReturnType<typeof client>, connectorId: string) {
  const served = await eventually(async () => {
    const before = vault.reads();
    await vault.getCurrent(connectorId);
    return vault.reads() === before;
  });
  expect(served, "getCurrent never served from memory").toBe(true);
}

/**
 * Waits until the stream has brought `vault` every change committed before the call (a later
 * one may still come, but none of those). The stream delivers in chain order, and the chain
 * follows commit order for writes made one after another: so once a sentinel's later rotation
 * has reached the cache, the earlier changes have too.
 */
export async function delivered(vault: ReturnType<typeof client>) {
  const sentinel = await newConnector("before");
  await cached(vault, sentinel);
  await client({ realtime: false }).rotate(sentinel, { secret: "after" });
  expect(
    await eventually(async () => (await vault.getCurrent(sentinel)).secret === "after"),
    "the sentinel's rotation never reached the cache",
  ).toBe(true);
}

export async function newConnector(secret: string | Record<string, unknown> = "v1") {
  const vault = client({ realtime: false });
  const connector = await vault.createConnector({ name: `c-${randomUUID()}`, provider: "test" });
  await vault.rotate(connector.id, { secret });
  return connector.id;
}
