// Unauthenticated operational routes: liveness, readiness, the OpenAPI document and its viewer.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { json } from "../schemas";

export const system = new OpenAPIHono<AppEnv>();

system.openapi(
  createRoute({
    method: "get",
    path: "/healthz",
    tags: ["operations"],
    summary: "Liveness",
    responses: { 200: json(z.object({ status: z.literal("ok") }), "The process is up") },
  }),
  (c) => c.json({ status: "ok" as const }, 200),
);

system.openapi(
  createRoute({
    method: "get",
    path: "/readyz",
    tags: ["operations"],
    summary: "Readiness: the database answers and carries every migration",
    responses: {
      200: json(z.object({ status: z.literal("ready") }), "Ready"),
      503: { description: "The database is unreachable or migrations are missing" },
    },
  }),
  async (c) => {
    // readiness() answers within about a second on its own connection, whatever the pool is doing.
    let readiness: Awaited<ReturnType<typeof c.var.deps.database.readiness>>;
    try {
      readiness = await c.var.deps.database.readiness();
    } catch {
      throw new ApiError("service_unavailable", "the database is unreachable", undefined, 1);
    }
    if (readiness !== "ready")
      throw new ApiError("service_unavailable", "database migrations are missing", undefined, 5);
    return c.json({ status: "ready" as const }, 200);
  },
);

/**
 * The reference page's script, served from the installed package rather than a CDN: /docs works
 * offline, and the page runs no third-party code it did not ship with.
 */
const SCALAR_SCRIPT = join(
  dirname(createRequire(import.meta.url).resolve("@scalar/api-reference")),
  "browser/standalone.js",
);
let scalarScript: Promise<Buffer> | undefined;

system.get("/docs/scalar.js", async (c) => {
  scalarScript ??= readFile(SCALAR_SCRIPT);
  c.header("content-type", "text/javascript; charset=utf-8");
  c.header("cache-control", "public, max-age=86400");
  return c.body(new Uint8Array(await scalarScript));
});

system.get(
  "/docs",
  async function docsPolicy(c, next) {
    await next();
    // Same-origin scripts and requests only (the page's inline bootstrap needs 'unsafe-inline').
    c.header(
      "content-security-policy",
      "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'",
    );
  },
  Scalar({
    url: "/openapi.json",
    pageTitle: "Connector credential vault API",
    cdn: "/docs/scalar.js",
  }),
);
