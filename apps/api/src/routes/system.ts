// Unauthenticated operational routes: liveness, readiness, the OpenAPI document and its viewer.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { migrationsApplied } from "@vibot/db";
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
    let applied: boolean;
    try {
      applied = await migrationsApplied(c.var.deps.database);
    } catch {
      throw new ApiError("service_unavailable", "the database is unreachable");
    }
    if (!applied) throw new ApiError("service_unavailable", "database migrations are missing");
    return c.json({ status: "ready" as const }, 200);
  },
);

system.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "Connector credential vault API" }));
