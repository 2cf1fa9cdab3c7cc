// @vibot/client in a real browser: bundled for the browser by esbuild (no Node built-ins), loaded
// into headless Chromium on the API's origin, it rotates, reads through its cache, and sees a
// rotation made elsewhere through its realtime stream (fetch streaming, no EventSource polyfill).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tokenFor } from "./support/api";
import { eventually, type ServedApi, serveTestApi } from "./support/client";
import { engine, openTestDatabase, type TestDatabase } from "./support/database";
import { seedTenant, type Tenant } from "./support/fixtures";

const CHROMIUM = "/usr/bin/chromium";
const runBrowser = engine === "pglite" && (existsSync(CHROMIUM) || process.env.CI === "true");
const entry = fileURLToPath(new URL("../../../packages/client/src/index.ts", import.meta.url));

let db: TestDatabase;
let served: ServedApi;
let browser: Browser | undefined;
let tenant: Tenant;

beforeAll(async () => {
  if (!runBrowser) return;
  db = await openTestDatabase();
  served = await serveTestApi(db);
  tenant = await seedTenant(db, "Browser client");
});
afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await db?.close();
});

it.runIf(runBrowser)("runs in headless Chromium: rotate, cached read, live eviction", async () => {
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "iife",
    globalName: "vibotClient",
    write: false,
  });
  const token = await tokenFor(tenant.admin);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(`${served.url}/healthz`);
  await page.addScriptTag({ content: bundle.outputFiles[0]?.text ?? "" });

  const first = await page.evaluate(
    async ({ base, token, connectorId }) => {
      const { createVaultClient } = (
        globalThis as never as { vibotClient: typeof import("@vibot/client") }
      ).vibotClient;
      const vault = createVaultClient({ baseUrl: base, getToken: () => token });
      Object.assign(globalThis, { vault });
      const written = await vault.rotate(connectorId, { secret: { apiKey: "from-the-browser" } });
      const current = await vault.getCurrent(connectorId);
      return { written: written.version, current: current.secret };
    },
    { base: served.url, token, connectorId: tenant.connectorId },
  );
  expect(first).toEqual({ written: 1, current: { apiKey: "from-the-browser" } });

  // A rotation made by someone else reaches the browser's cache through its stream.
  const elsewhere = await served.api.request(
    "POST",
    `/v1/connectors/${tenant.connectorId}/credentials`,
    {
      token,
      body: { secret: "rotated-from-node" },
    },
  );
  expect(elsewhere.status, elsewhere.text).toBe(201);
  const seen = await eventually(async () => {
    const secret = await page.evaluate(
      async (connectorId) =>
        (
          await (
            globalThis as never as {
              vault: ReturnType<typeof import("@vibot/client").createVaultClient>;
            }
          ).vault.getCurrent(connectorId)
        ).secret,
      tenant.connectorId,
    );
    return secret === "rotated-from-node";
  });
  expect(seen).toBe(true);
  await page.evaluate(() =>
    (globalThis as never as { vault: { close(): Promise<void> } }).vault.close(),
  );
  expect(errors).toEqual([]);
});
