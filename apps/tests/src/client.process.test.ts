// The client and a real API process that dies (SIGKILL) and comes back on the same port: while it
// is down, the last value is served (with a warning) for staleIfErrorMs and not after; a rotation
// written meanwhile is what the client reads once the API is back, with no restart of its own.
// PostgreSQL only (the rotation meanwhile needs a second writer on the database).
import { createServer } from "node:net";
import { createVaultClient, VaultUnreachableError } from "@vibot/client";
import { withRequestContext, writeCredentialVersion } from "@vibot/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { JWT_SECRET, tokenFor } from "./support/api";
import { eventually, recordingLogger, sleep } from "./support/client";
import { engine, openTestDatabase, type TestDatabase } from "./support/database";
import { seedTenant, type Tenant } from "./support/fixtures";
import { K1, keyringJson, testKeyring } from "./support/keys";
import { type ApiProcess, startApiProcess } from "./support/load";

let db: TestDatabase;
let tenant: Tenant;
let api: ApiProcess | undefined;
let port: number;

const env = () => ({
  ...db.childEnv,
  PORT: String(port),
  SUPABASE_JWT_SECRET: JWT_SECRET,
  CREDENTIALS_KEYRING: keyringJson("k1", { k1: K1 }),
  CREDENTIALS_KEYRING_FILE: "",
});

/** A port free right now, for the API to come back on. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });

const onPostgres = engine === "postgres" ? it : it.skip;

beforeAll(async () => {
  if (engine !== "postgres") return;
  db = await openTestDatabase();
  tenant = await seedTenant(db);
  port = await freePort();
  api = await startApiProcess(env());
}, 60_000);

afterAll(async () => {
  if (api?.alive()) api.child.kill("SIGKILL");
  await db?.close();
});

onPostgres("recovers by itself after the API is killed and restarted", async () => {
  const token = await tokenFor(tenant.admin);
  const logger = recordingLogger();
  const staleIfErrorMs = 1_500;
  let reads = 0;
  const vault = createVaultClient({
    baseUrl: `http://127.0.0.1:${port}`,
    getToken: () => token,
    staleIfErrorMs,
    logger,
    retry: { retries: 0 },
    fetch: ((input: Request | string, init?: RequestInit) => {
      const request = new Request(input, init);
      if (request.url.endsWith("/current")) reads++;
      return fetch(request);
    }) as typeof fetch,
  });
  try {
    await vault.rotate(tenant.connectorId, { secret: "before" });
    // Until a read is served from memory: the stream is live and the value cached.
    const cached = await eventually(async () => {
      const before = reads;
      await vault.getCurrent(tenant.connectorId);
      return reads === before;
    });
    expect(cached).toBe(true);

    api?.child.kill("SIGKILL");
    await new Promise((resolve) => api?.child.once("exit", resolve));
    // Once the client noticed, the old value comes with a warning, for staleIfErrorMs at most.
    expect(
      await eventually(async () => {
        expect((await vault.getCurrent(tenant.connectorId)).secret).toBe("before");
        return logger.warnings.length > 0;
      }, 5_000),
    ).toBe(true);
    const noticed = Date.now();
    // Meanwhile another writer rotates the credential (straight through the database).
    await withRequestContext(db.handle.db, { claims: tenant.admin, role: "service_role" }, (tx) =>
      testKeyring().then((keyring) =>
        writeCredentialVersion(tx, keyring, {
          connectorId: tenant.connectorId,
          secretJson: '"during the outage"',
          rotatedBy: tenant.adminId,
          maxVersions: 10,
        }),
      ),
    );
    await sleep(staleIfErrorMs + 200 - (Date.now() - noticed));
    expect(await vault.getCurrent(tenant.connectorId).catch((e) => e)).toBeInstanceOf(
      VaultUnreachableError,
    );

    api = await startApiProcess(env());
    const answers: unknown[] = [];
    const recovered = await eventually(async () => {
      const answer = await vault.getCurrent(tenant.connectorId).then(
        (c) => c.secret,
        (e: Error) => e.name,
      );
      answers.push(answer);
      return answer === "during the outage";
    }, 10_000);
    expect(recovered, JSON.stringify(answers)).toBe(true);
    // Never the old value once it was past staleIfErrorMs.
    expect(answers).not.toContain("before");
  } finally {
    await vault.close();
  }
});
