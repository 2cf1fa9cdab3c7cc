// Unauthenticated operational routes: liveness, readiness, the OpenAPI document and its viewer.
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

system.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "Connector credential vault API" }));
