// createApp(deps): the Hono app, built from its dependencies so tests can hand in PGlite.
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import type { AppDependencies, AppEnv } from "./env";
import { onError } from "./error-handler";
import { ApiError } from "./errors";
import { accessLog } from "./middleware/access-log";
import { requireAdmin } from "./middleware/auth";
import { requireJsonBody } from "./middleware/json-body";
import { connectors } from "./routes/connectors";
import { credentials } from "./routes/credentials";
import { system } from "./routes/system";

export type { AppDependencies } from "./env";

export const MAX_BODY_BYTES = 128 * 1024;

export function createApp(deps: AppDependencies) {
  const app = new OpenAPIHono<AppEnv>();

  app.use(async function injectDependencies(c, next) {
    c.set("deps", deps);
    await next();
  });
  app.use(requestId());
  app.use(accessLog());
  app.onError(onError);
  app.notFound((c) => {
    const error = new ApiError("not_found", "no such route");
    return c.json(error.body(c.var.requestId), error.status);
  });

  app.use("/v1/connectors", requireAdmin(), requireJsonBody());
  app.use("/v1/connectors/*", requireAdmin(), requireJsonBody());
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError("payload_too_large", `the request body is over ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );

  app.route("/", system);
  app.route("/v1/connectors", connectors);
  app.route("/v1/connectors", credentials);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Connector credential vault",
      version: "1.0.0",
      description:
        "Encrypted, versioned, integrity-checked connector secrets in your own PostgreSQL.",
    },
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
