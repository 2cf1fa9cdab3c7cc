// 404 not_found, 409 version_conflict, 413 payload_too_large and 415 unsupported_media_type;
// nothing written.
import { randomUUID } from "node:crypto";
import { startServer } from "@vibot/api/server";
import { describe, expect, it } from "vitest";
import { api, base, db, expectError, token, useErrorSuite } from "./support/error-suite";
import { credentialRows } from "./support/fixtures";

useErrorSuite();

describe("404 not_found", () => {
  it("answers an unknown connector on every route", async () => {
    const path = `/v1/connectors/${randomUUID()}/credentials`;
    await expectError(await api.request("GET", path, { token }), 404, "not_found");
    await expectError(await api.request("GET", `${path}/current`, { token }), 404, "not_found");
    await expectError(await api.request("GET", `${path}/1`, { token }), 404, "not_found");
    await expectError(
      await api.request("POST", path, { token, body: { secret: "s" } }),
      404,
      "not_found",
    );
    await expectError(
      await api.request("POST", `${path}/rollback`, { token, body: { version: 1 } }),
      404,
      "not_found",
    );
    await expectError(await api.request("DELETE", `${path}/1`, { token }), 404, "not_found");
    await expectError(await api.request("DELETE", path, { token }), 404, "not_found");
  });

  it("answers a version that does not exist", async () => {
    await expectError(await api.request("GET", `${base()}/99`, { token }), 404, "not_found");
    await expectError(await api.request("DELETE", `${base()}/99`, { token }), 404, "not_found");
    await expectError(
      await api.request("POST", `${base()}/rollback`, { token, body: { version: 99 } }),
      404,
      "not_found",
    );
  });

  it("answers the current version of a connector that has none", async () => {
    const empty = await api.request("POST", "/v1/connectors", {
      token,
      body: { name: "empty", provider: "x" },
    });
    expect(empty.status, empty.text).toBe(201);
    await expectError(
      await api.request("GET", `/v1/connectors/${empty.body.id}/credentials/current`, { token }),
      404,
      "not_found",
    );
  });

  it("answers an unknown route in the same shape", async () => {
    await expectError(await api.request("GET", "/v1/nothing-here", { token }), 404, "not_found");
  });
});

describe("409 version_conflict", () => {
  it("refuses a stale expectedVersion and 0 when a version exists", async () => {
    await expectError(
      await api.request("POST", base(), { token, body: { secret: "s", expectedVersion: 7 } }),
      409,
      "version_conflict",
    );
    await expectError(
      await api.request("POST", base(), { token, body: { secret: "s", expectedVersion: 0 } }),
      409,
      "version_conflict",
    );
    await expectError(
      await api.request("POST", `${base()}/rollback`, {
        token,
        body: { version: 1, expectedVersion: 5 },
      }),
      409,
      "version_conflict",
    );
  });
});

describe("413 payload_too_large and 415 unsupported_media_type", () => {
  it("refuses a secret over 65,536 bytes of JSON", async () => {
    const secret = "é".repeat(32_768); // 65,536 bytes of UTF-8, plus the JSON quotes
    await expectError(
      await api.request("POST", base(), { token, body: { secret } }),
      413,
      "payload_too_large",
    );
  });

  it("accepts a secret of exactly 65,536 bytes of JSON", async () => {
    const response = await api.request("POST", base(), {
      token,
      body: { secret: "x".repeat(65_534) },
    });
    expect(response.status, response.text).toBe(201);
  });

  it("refuses a body over 128 KiB", async () => {
    const body = { secret: "s", padding: "x".repeat(140_000) };
    await expectError(await api.request("POST", base(), { token, body }), 413, "payload_too_large");
  });

  it("over real HTTP: refuses a declared or a chunked body over 128 KiB, and reads a small one", async () => {
    // The production server in front of the app: bodies arrive with their framing headers.
    const running = await startServer(api.app, {
      host: "127.0.0.1",
      port: 0,
      keepAliveTimeoutMs: 5_000,
    });
    const url = `http://127.0.0.1:${running.port}${base()}`;
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const oversize = JSON.stringify({ secret: "s", padding: "x".repeat(140_000) });
    const send = async (init: RequestInit) => {
      const response = await fetch(url, { method: "POST", headers, ...init });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
    };
    try {
      // Content-Length declared (fetch sets it for a string body).
      await expectError(await send({ body: oversize }), 413, "payload_too_large");
      // No declared length: Transfer-Encoding chunked, counted as it comes.
      const chunked = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(oversize));
          controller.close();
        },
      });
      await expectError(
        await send({ body: chunked, duplex: "half" } as RequestInit),
        413,
        "payload_too_large",
      );
      const small = await send({ body: JSON.stringify({ secret: { apiKey: "sk_over_http" } }) });
      expect(small.status, small.text).toBe(201);
    } finally {
      await new Promise((resolve) => {
        running.server.close(resolve);
        running.server.closeAllConnections();
      });
    }
  });

  it("answers a write sent without a body with 400, and writes nothing", async () => {
    const before = await credentialRows(db);
    const response = await api.request("POST", base(), { token });
    await expectError(response, 400, "bad_request");
    expect(await credentialRows(db)).toEqual(before);
  });

  it("refuses a body that is not JSON", async () => {
    const response = await api.request("POST", base(), {
      token,
      raw: "secret=s",
      headers: { "content-type": "text/plain" },
    });
    await expectError(response, 415, "unsupported_media_type");
  });
});
