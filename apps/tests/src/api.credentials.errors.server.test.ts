// 500 internal_error and 503 service_unavailable: no driver text in bodies or logs.
import { createApp } from "@vibot/api";
import { createLogger } from "@vibot/api/logger";
import { connectPostgres } from "@vibot/db";
import { describe, expect, it } from "vitest";
import { JWT_SECRET } from "./support/api";
import { api, base, db, token, useErrorSuite } from "./support/error-suite";
import { testKeyring } from "./support/keys";

useErrorSuite();

describe("500 and 503", () => {
  it("answers internal_error for an unexpected failure, logging where it was thrown but never its text", async () => {
    const { logs, logger } = api;
    const failing = createApp({
      database: {
        ...db.handle,
        // The real database, except that every request fails with a driver-like message, one
        // line of which looks like a stack frame.
        run: () =>
          Promise.reject(new Error("boom: params sk_live_leak\n    at /srv/sk_live_leak.js:1:1")),
      },
      keyring: await testKeyring(),
      // The suite's captured logger: the failure is logged there, and must not carry the text.
      logger,
      jwtSecret: JWT_SECRET,
      maxVersions: 10,
    });
    const response = await failing.request(`${base()}/current`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { error: { code: string } };
    expect(response.status).toBe(500);
    expect(body.error.code).toBe("internal_error");
    expect(JSON.stringify(body)).not.toContain("sk_live_leak");
    const failure = logs.find((line) => line.includes('"event":"request.failed"'));
    expect(failure, "the failure is logged").toBeDefined();
    const logged = JSON.parse(failure ?? "{}") as { where?: string[]; route?: string };
    expect(logged.route).toBe("GET /v1/connectors/:connectorId/credentials/current");
    // Code locations only: this file, where the error was made.
    expect(logged.where?.[0]).toMatch(/api\.credentials\.errors\.server\.test\.ts:\d+:\d+\)?$/);
    expect(logs.join("")).not.toContain("sk_live_leak");
  });

  it("answers service_unavailable when the database is unreachable, on routes and /readyz", async () => {
    const down = connectPostgres("postgres://postgres@127.0.0.1:1/nothing", { max: 1 });
    const app = createApp({
      database: down,
      keyring: await testKeyring(),
      logger: createLogger("silent"),
      jwtSecret: JWT_SECRET,
      maxVersions: 10,
    });
    const response = await app.request(`${base()}/current`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBeTruthy();
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("service_unavailable");
    const ready = await app.request("/readyz");
    expect(ready.status).toBe(503);
    await down.close();
  });

  it("reports missing migrations on /readyz", async () => {
    const [newest] = await db.query<{ id: number }>(
      "select max(id) as id from drizzle.__drizzle_migrations",
    );
    const saved = await db.query("select * from drizzle.__drizzle_migrations where id = $1", [
      newest?.id,
    ]);
    await db.query("delete from drizzle.__drizzle_migrations where id = $1", [newest?.id]);
    try {
      const ready = await api.request("GET", "/readyz");
      expect(ready.status).toBe(503);
      expect(ready.body.error?.code).toBe("service_unavailable");
    } finally {
      const row = saved[0] as { id: number; hash: string; created_at: string };
      await db.query(
        "insert into drizzle.__drizzle_migrations (id, hash, created_at) values ($1, $2, $3)",
        [row.id, row.hash, row.created_at],
      );
    }
    expect((await api.request("GET", "/readyz")).status).toBe(200);
  });
});
