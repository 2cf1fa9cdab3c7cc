// The README's "Using the vault from another service" snippet, run as written against the real API
// on a free port: the lines between the markers are the README's, character for character (a
// test below fails when they drift apart).
import { readFile } from "node:fs/promises";
import { createVaultClient } from "@vibot/client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tokenFor } from "./support/api";
import { type ServedApi, serveTestApi } from "./support/client";
import { openTestDatabase, type TestDatabase } from "./support/database";
import { seedTenant, type Tenant } from "./support/fixtures";

let db: TestDatabase;
let served: ServedApi;
let tenant: Tenant;
beforeAll(async () => {
  db = await openTestDatabase();
  served = await serveTestApi(db);
  tenant = await seedTenant(db, "A");
});
afterAll(async () => {
  await served.stop();
  await db.close();
});

it("runs the README's client snippet", async () => {
  process.env.VAULT_URL = served.url;
  const token = await tokenFor(tenant.admin);
  const tokenSource = { current: () => token };
  const connectorId = tenant.connectorId;
  const warnings: unknown[] = [];
  const logger = { warn: (...args: unknown[]) => void warnings.push(args) };

  // README:begin
  const vault = createVaultClient({
    baseUrl: process.env.VAULT_URL ?? "http://127.0.0.1:3000",
    getToken: () => tokenSource.current(), // asked again for every request and reconnect
    staleIfErrorMs: 60_000, // while the vault is unreachable, serve the last value for a minute
    logger,
  });
  await vault.rotate(connectorId, { secret: { apiKey: "sk_live_example" } }); // retried safely
  const { secret, version } = await vault.getCurrent(connectorId); // memory, until it changes
  await vault.close();
  // README:end

  expect(secret).toEqual({ apiKey: "sk_live_example" });
  expect(version).toBe(1);
  expect(warnings).toEqual([]);
});

it("keeps the README's snippet equal to the one above", async () => {
  const self = await readFile(new URL(import.meta.url), "utf8");
  const snippet = /\/\/ README:begin\n([\s\S]*?)\s*\/\/ README:end/.exec(self)?.[1] ?? "";
  const lines = snippet.split("\n").map((line) => line.replace(/^ {2}/, ""));
  const readme = await readFile(new URL("../../../README.md", import.meta.url), "utf8");
  expect(lines.length).toBeGreaterThan(5);
  expect(readme).toContain(lines.join("\n").trim());
});
