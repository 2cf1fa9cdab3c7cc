// /console in a real browser: headless Chromium (Debian's package, driven by playwright-core)
// shows the company's connectors, and a rotation made through the API appears live.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApi, tokenFor } from "./support/api";
import { engine, openTestDatabase, type TestDatabase } from "./support/database";
import { seedTenant, type Tenant } from "./support/fixtures";

const CHROMIUM = "/usr/bin/chromium";
const artifacts = fileURLToPath(new URL("../artifacts/", import.meta.url));
// CI installs Chromium (.ci/run); elsewhere the test runs wherever Debian's chromium is present.
const runBrowser = engine === "pglite" && (existsSync(CHROMIUM) || process.env.CI === "true");

let db: TestDatabase;
let browser: Browser | undefined;
let server: ReturnType<typeof serve> | undefined;
let a: Tenant;

beforeAll(async () => {
  if (!runBrowser) return;
  db = await openTestDatabase();
  a = await seedTenant(db, "Browser Co");
});
afterAll(async () => {
  await browser?.close();
  server?.close();
  await db?.close();
});

it.runIf(runBrowser)("shows connectors and a live rotation in headless Chromium", async () => {
  const api = await createTestApi(db);
  server = serve({ fetch: api.app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise((resolve) => server?.once("listening", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = await tokenFor(a.admin);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = await browser.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  await page.goto(`${base}/console`);
  await page.fill("#token", token);
  await page.click("button");
  const row = page.locator(`[data-connector="${a.connectorId}"]`);
  await expect.poll(() => row.locator("td").nth(2).textContent(), { timeout: 10_000 }).toBe("none");
  await expect.poll(() => page.textContent("#status"), { timeout: 10_000 }).toBe("live");

  const rotated = await fetch(`${base}/v1/connectors/${a.connectorId}/credentials`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ secret: { apiKey: "sk_browser_secret" } }),
  });
  expect(rotated.status).toBe(201);

  await expect.poll(() => row.locator("td").nth(2).textContent(), { timeout: 5_000 }).toBe("v1");
  await expect
    .poll(() => page.textContent("#events"), { timeout: 5_000 })
    .toContain(`INSERT connector ${a.connectorId} v1`);
  // The activity list, fed by GET /v1/audit, shows the rotation.
  await expect.poll(() => page.textContent("#activity"), { timeout: 5_000 }).toContain("rotate");
  // A staged version with an expiry, then the first one deleted: stages, expiry and purge time.
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  const staged = await fetch(`${base}/v1/connectors/${a.connectorId}/credentials`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ secret: "sk_browser_next", stage: "pending", expiresAt }),
  });
  expect(staged.status).toBe(201);
  const deleted = await fetch(`${base}/v1/connectors/${a.connectorId}/credentials/1`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}` },
  });
  expect(deleted.status).toBe(204);
  await expect
    .poll(() => row.locator("td").nth(3).textContent(), { timeout: 5_000 })
    .toMatch(
      new RegExp(`^v2 pending \\(expires ${expiresAt}\\), v1 deleted \\(purged after \\d{4}-`),
    );
  expect(await page.content()).not.toContain("sk_browser_secret");
  expect(consoleErrors).toEqual([]);
  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: `${artifacts}console.png`, fullPage: true });
  expect(existsSync(`${artifacts}console.png`)).toBe(true);
});
