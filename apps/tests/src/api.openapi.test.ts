// The OpenAPI document is valid OpenAPI 3.1 (checked by a real validator) and lists every route.
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApi } from "./support/api";
import { openTestDatabase, type TestDatabase } from "./support/database";

let db: TestDatabase;
let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  db = await openTestDatabase();
  api = await createTestApi(db);
});
afterAll(async () => {
  await db.close();
});

it("serves an OpenAPI 3.1 document that passes validation", async () => {
  const response = await api.request("GET", "/openapi.json");
  expect(response.status).toBe(200);
  const validator = new Validator();
  const result = await validator.validate(response.body);
  expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe("3.1");
});

it("lists every route of the HTTP contract", async () => {
  const { body } = await api.request("GET", "/openapi.json");
  const operations = Object.entries(
    (body as { paths: Record<string, Record<string, unknown>> }).paths,
  ).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
  expect(operations.sort()).toEqual(
    [
      "POST /v1/connectors",
      "GET /v1/connectors",
      "POST /v1/connectors/{connectorId}/credentials",
      "GET /v1/connectors/{connectorId}/credentials",
      "GET /v1/connectors/{connectorId}/credentials/current",
      "GET /v1/connectors/{connectorId}/credentials/{version}",
      "POST /v1/connectors/{connectorId}/credentials/rollback",
      "POST /v1/credentials/batch-read",
      "DELETE /v1/connectors/{connectorId}/credentials/{version}",
      "DELETE /v1/connectors/{connectorId}/credentials",
      "GET /v1/connectors/{connectorId}/credentials/pending",
      "GET /v1/connectors/{connectorId}/credentials/previous",
      "POST /v1/connectors/{connectorId}/credentials/promote",
      "POST /v1/connectors/{connectorId}/credentials/{version}/restore",
      "GET /v1/credentials/expiring",
      "GET /v1/realtime",
      "GET /v1/audit",
      "GET /healthz",
      "GET /readyz",
    ].sort(),
  );
});

it("serves the reference page with its script from this server, under a same-origin policy", async () => {
  const page = await api.request("GET", "/docs");
  expect(page.status).toBe(200);
  expect(page.text).toContain('src="/docs/scalar.js"');
  // No script, style or font from anywhere else: /docs works offline.
  expect(page.text).not.toMatch(/(src|href)="https?:\/\//);
  expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
  const script = await api.request("GET", "/docs/scalar.js");
  expect(script.status).toBe(200);
  expect(script.headers.get("content-type")).toContain("javascript");
  expect(script.text.length).toBeGreaterThan(100_000);
});
