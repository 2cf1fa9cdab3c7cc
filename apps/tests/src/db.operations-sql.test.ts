// packages/db/sql/operations.sql is what the request door sends, kept current: rendering the
// operations again gives the committed file, and the file names parameters, never their values.
import { readFile } from "node:fs/promises";
import { renderOperations } from "@vibot/db/testing";
import { expect, it } from "vitest";

const committed = () =>
  readFile(new URL("../../../packages/db/sql/operations.sql", import.meta.url), "utf8");

it("matches the operations as they are (run `pnpm --filter @vibot/db sql:render` after a change)", async () => {
  expect(await committed()).toBe(await renderOperations());
});

it("shows every route's statements and no key material", async () => {
  const text = await committed();
  for (const route of [
    "GET …/credentials/current",
    "POST …/credentials (rotate)",
    "POST …/credentials/promote",
    "DELETE …/credentials/{version} (restorable for the recovery window)",
    "POST …/credentials/{version}/restore",
    "GET /v1/credentials/expiring?within=7d",
    "the purge job (one process at a time, under its advisory lock)",
  ])
    expect(text).toContain(`-- ${route} — as `);
  expect(text).toContain("public.vault_read_credential(");
  expect(text).toContain("public.vault_write_version(");
  // Derived keys are 64 hex characters; none may appear.
  expect(text).not.toMatch(/[0-9a-f]{64}/);
});
