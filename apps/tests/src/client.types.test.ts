// The client's committed types equal what openapi-typescript makes of the API's /openapi.json:
// a route or schema changed without regenerating them fails here (and so in CI).
// VIBOT_WRITE_CLIENT_TYPES=1 rewrites the file instead, as `pnpm --filter @vibot/client generate`
// does from a running API.
import { readFile, writeFile } from "node:fs/promises";
import { GENERATED_PATH, renderTypes } from "@vibot/client/scripts/render-types";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApi } from "./support/api";
import { openTestDatabase, type TestDatabase } from "./support/database";

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

it("commits client types generated from the API's current OpenAPI document", async () => {
  const api = await createTestApi(db);
  const { body } = await api.request("GET", "/openapi.json");
  const rendered = await renderTypes(body);
  if (process.env.VIBOT_WRITE_CLIENT_TYPES === "1") await writeFile(GENERATED_PATH, rendered);
  const committed = await readFile(GENERATED_PATH, "utf8").catch(() => "");
  expect(committed, "regenerate: pnpm --filter @vibot/client generate").toBe(rendered);
});
