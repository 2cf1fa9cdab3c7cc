// 400 bad_request: malformed JSON and failed validation, each listing its fields; nothing written.
import { describe, expect, it } from "vitest";
import { api, base, expectError, token, useErrorSuite } from "./support/error-suite";

useErrorSuite();

describe("400 bad_request", () => {
  it("rejects malformed JSON", async () => {
    const response = await api.request("POST", base(), {
      token,
      raw: "{not json",
      headers: { "content-type": "application/json" },
    });
    await expectError(response, 400, "bad_request");
  });

  it.each([
    ["a missing secret", {}, "secret"],
    ["an array secret", { secret: ["a"] }, "secret"],
    ["a number secret", { secret: 42 }, "secret"],
    ["an empty string secret", { secret: "" }, "secret"],
    ["a negative expectedVersion", { secret: "s", expectedVersion: -1 }, "expectedVersion"],
    ["a fractional expectedVersion", { secret: "s", expectedVersion: 1.5 }, "expectedVersion"],
    ["an unknown field", { secret: "s", extra: true }, "(body)"],
  ])("rejects %s, listing the field", async (_, body, field) => {
    const response = await api.request("POST", base(), { token, body });
    await expectError(response, 400, "bad_request");
    expect(response.body.error?.details?.map((d: { field: string }) => d.field)).toContain(field);
  });

  it("rejects a non-uuid connector id on every route", async () => {
    for (const [method, path] of [
      ["GET", "/v1/connectors/not-a-uuid/credentials"],
      ["GET", "/v1/connectors/not-a-uuid/credentials/current"],
      ["DELETE", "/v1/connectors/not-a-uuid/credentials"],
    ] as const) {
      await expectError(await api.request(method, path, { token }), 400, "bad_request");
    }
    await expectError(
      await api.request("POST", "/v1/connectors/123/credentials", { token, body: { secret: "s" } }),
      400,
      "bad_request",
    );
  });

  it.each(["abc", "1.5", "0", "-1", "99999999999"])("rejects the version %s", async (version) => {
    await expectError(
      await api.request("GET", `${base()}/${version}`, { token }),
      400,
      "bad_request",
    );
    await expectError(
      await api.request("DELETE", `${base()}/${version}`, { token }),
      400,
      "bad_request",
    );
  });

  it("rejects a rollback to a non-integer version", async () => {
    await expectError(
      await api.request("POST", `${base()}/rollback`, { token, body: { version: "1" } }),
      400,
      "bad_request",
    );
  });
});
