// A sibling app reads a credential with @vibot/db and @vibot/crypto alone, exactly as the
// package README shows (the test checks that the README's code is this file's code).
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Keyring } from "@vibot/crypto";
import { type Database, type JwtClaims, readCredential, withRequestContext } from "@vibot/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { rotate } from "./support/credentials";
import { openTestDatabase, type TestDatabase } from "./support/database";
import { seedTenant } from "./support/fixtures";
import { K1, keyringJson } from "./support/keys";

// README start
/** The current secret of a connector, read as an admin of its company would read it. */
export async function currentSecret(
  db: Database,
  keyringJson: string,
  claims: JwtClaims,
  connectorId: string,
) {
  const keyring = await Keyring.fromJson(keyringJson);
  const credential = await withRequestContext(db, { claims, role: "authenticated" }, (tx) =>
    readCredential(tx, keyring, connectorId),
  );
  return JSON.parse(credential.secretJson) as unknown;
}
// README end

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

it("reads the current secret with the README's code", async () => {
  const tenant = await seedTenant(db);
  const ring = keyringJson("k1", { k1: K1 });
  await rotate(db, await Keyring.fromJson(ring), tenant, { refreshToken: "rt_123" });
  expect(await currentSecret(db.handle.db, ring, tenant.admin, tenant.connectorId)).toEqual({
    refreshToken: "rt_123",
  });
});

it("is the code the package README shows", async () => {
  const readme = await readFile(
    fileURLToPath(new URL("../../../packages/crypto/README.md", import.meta.url)),
    "utf8",
  );
  const self = await readFile(fileURLToPath(import.meta.url), "utf8");
  const shown = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const body = /\/\/ README start\n([\s\S]*?)\/\/ README end/.exec(self)?.[1] ?? "missing";
  expect(shown.length).toBeGreaterThan(100);
  expect(shown).toContain(body);
  for (const line of shown.split("\n").filter((l) => l.startsWith("import ")))
    expect(self).toContain(line);
});
