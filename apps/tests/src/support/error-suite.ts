// The error suites' setup: the usual API suite, plus the table as it was before each test, so that
// every failing request can be checked to have written nothing.
import { beforeEach, expect } from "vitest";
import { credentialRows } from "./fixtures";
import { a, db, useApiSuite } from "./suite";

export { a, api, db, token } from "./suite";

let before: Awaited<ReturnType<typeof credentialRows>>;

export function useErrorSuite() {
  useApiSuite();
  beforeEach(async () => {
    before = await credentialRows(db);
  });
}

/** The seeded connector's credentials path. */
export const base = () => `/v1/connectors/${a.connectorId}/credentials`;

/** Asserts status, code and request id, and that the table is exactly as before the test. */
export async function expectError(
  response: {
    status: number;
    body: { error?: { code: string; requestId: string } };
    headers: Headers;
    text: string;
  },
  status: number,
  code: string,
) {
  expect(response.status, response.text).toBe(status);
  expect(response.body?.error?.code, response.text).toBe(code);
  expect(response.body.error?.requestId).toBe(response.headers.get("x-request-id"));
  expect(await credentialRows(db)).toEqual(before);
}
