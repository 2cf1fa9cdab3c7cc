// Several API processes on one database: both serve, both record events, the
// sequencers keep one verifiable chain between them, and a subscriber of one process hears
// rotations made through the other.
import { verifyLedger } from "@vibot/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { JWT_SECRET, tokenFor } from "./support/api";
import { engine, openTestDatabase, type TestDatabase } from "./support/database";
import { seedTenant, type Tenant } from "./support/fixtures";
import { K1, keyringJson, testKeyring } from "./support/keys";
import { type ApiProcess, startApiProcess } from "./support/load";

let db: TestDatabase;
let tenant: Tenant;
const processes: ApiProcess[] = [];

/** Reads an SSE response over real HTTP until `pattern` shows up (or `ms` pass). */
async function listenFor(
  url: string,
  token: string,
  pattern: RegExp,
  ms: number,
  ready: () => void,
) {
  const controller = new AbortController();
  const response = await fetch(`${url}/v1/realtime?channel=public:connector_credentials`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  const reader = response.body?.getReader();
  const timer = setTimeout(() => controller.abort(), ms);
  let text = "";
  try {
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
      if (text.includes(": connected")) ready();
      if (pattern.test(text)) break;
    }
  } catch {
    // aborted at the deadline
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return text;
}

const describeOnPostgres = engine === "postgres" ? it : it.skip;

beforeAll(async () => {
  if (engine !== "postgres") return;
  db = await openTestDatabase();
  tenant = await seedTenant(db);
  for (let i = 0; i < 2; i++) {
    processes.push(
      await startApiProcess({
        ...db.childEnv,
        SUPABASE_JWT_SECRET: JWT_SECRET,
        CREDENTIALS_KEYRING: keyringJson("k1", { k1: K1 }),
        CREDENTIALS_KEYRING_FILE: "",
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  for (const p of processes) if (p.alive()) p.child.kill("SIGKILL");
  await db?.close();
});

describeOnPostgres(
  "keeps one chain across two processes, and a subscriber of one hears the other",
  async () => {
    const [first, second] = processes;
    if (!first || !second) throw new Error("two processes expected");
    const token = await tokenFor(tenant.admin);
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const path = `/v1/connectors/${tenant.connectorId}/credentials`;

    let subscribed: () => void = () => {};
    const listening = new Promise<void>((resolve) => {
      subscribed = resolve;
    });
    const heard = listenFor(first.url, token, /event: INSERT/, 10_000, () => subscribed());
    await listening;

    // Writes and reads through both processes, interleaved.
    for (let i = 0; i < 10; i++) {
      const through = i % 2 === 0 ? second : first;
      const written = await fetch(`${through.url}${path}`, {
        method: "POST",
        headers,
        body: JSON.stringify({ secret: `s${i}` }),
      });
      expect(written.status).toBe(201);
      const read = await fetch(`${through.url}${path}/current`, { headers });
      expect(read.status).toBe(200);
    }
    expect(await heard).toMatch(/event: INSERT/);

    // Both sequencers run (every 250 ms); the chain ends up whole and single.
    const keyring = await testKeyring();
    await expect
      .poll(
        async () =>
          (
            await db.query<{ n: number }>(
              "select count(*)::int as n from connector_credential_events where chain_seq is null",
            )
          )[0]?.n,
        { timeout: 10_000 },
      )
      .toBe(0);
    const [chain] = await db.query<{ n: number; min: number; max: number }>(
      "select count(*)::int as n, min(chain_seq)::int as min, max(chain_seq)::int as max from connector_credential_events",
    );
    expect(chain?.n).toBeGreaterThanOrEqual(20);
    expect(chain).toEqual({ n: chain?.n, min: 1, max: chain?.n });
    const report = await verifyLedger(db.operator.db, keyring);
    expect(report.failed).toEqual([]);
    expect(report.chained).toBe(chain?.n);
  },
);
