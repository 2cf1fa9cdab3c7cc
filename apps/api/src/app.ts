// createApp(deps): the Hono app, built from its dependencies so tests can hand in PGlite.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import type { AppDependencies, AppEnv, ResolvedDependencies } from "./env";
import { onError } from "./error-handler";
import { ApiError } from "./errors";
import { accessLog } from "./middleware/access-log";
import { requireAdmin } from "./middleware/auth";
import { requireJsonBody } from "./middleware/json-body";
import { CHANNEL } from "./realtime/change-event";
import { RealtimeHub } from "./realtime/hub";
import { DEFAULT_STREAM_LIMITS, StreamLimits } from "./realtime/limits";
import { audit } from "./routes/audit";
import { batchRead } from "./routes/batch-read";
import { connectors } from "./routes/connectors";
import { consolePage } from "./routes/console";
import { credentials } from "./routes/credentials";
import { realtime } from "./routes/realtime";
import { system } from "./routes/system";

export type { AppDependencies } from "./env";

export const MAX_BODY_BYTES = 128 * 1024;

export function createApp(dependencies: AppDependencies) {
  const app = new OpenAPIHono<AppEnv>();
  const deps: ResolvedDependencies = {
    ...dependencies,
    auditReads: dependencies.auditReads ?? true,
    recoveryWindowMs: dependencies.recoveryWindowMs ?? 7 * 86_400_000,
    realtime: {
      hub:
        dependencies.realtime?.hub ??
        new RealtimeHub(dependencies.database, dependencies.keyring, dependencies.logger),
      heartbeatMs: dependencies.realtime?.heartbeatMs ?? 25_000,
      replayMaxAgeMs: dependencies.realtime?.replayMaxAgeMs ?? 7 * 86_400_000,
      limits: new StreamLimits({ ...DEFAULT_STREAM_LIMITS, ...dependencies.realtime?.limits }),
    },
  };

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

  // Every /v1 route is for admins of a company; the realtime stream may carry its token in the query.
  app.use(
    "/v1/*",
    requireAdmin({
      secret: dependencies.jwtSecret,
      audience: dependencies.jwtAudience ?? "authenticated",
      queryTokenPaths: ["/v1/realtime"],
    }),
  );
  app.use("/v1/connectors/*", requireJsonBody());
  app.use("/v1/connectors", requireJsonBody());
  const tooLarge = () => {
    throw new ApiError("payload_too_large", `the request body is over ${MAX_BODY_BYTES} bytes`);
  };
  const countBody = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
  app.use("/v1/*", (c, next) => {
    // GET and HEAD carry no body (the Fetch API allows none).
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    // A declared length decides at once, as in hono's bodyLimit, but read from the headers:
    // asking the adapter for the body stream builds its full Request object and turns off its
    // direct read of the body (profiled: about 7% of the API's time under rotations). Node's
    // parser never passes more body than the declared length.
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined)
      return Number.parseInt(length, 10) > MAX_BODY_BYTES ? tooLarge() : next();
    // No declared length (chunked): hono's reader counts the bytes as they come.
    return countBody(c, next);
  });

  app.route("/", system);
  app.route("/v1/connectors", connectors);
  app.route("/v1/connectors", credentials);
  app.route("/v1/credentials", batchRead);
  app.route("/v1/audit", audit);
  app.route("/v1/realtime", realtime);
  app.route("/console", consolePage);
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/realtime",
    tags: ["realtime"],
    summary: "Server-Sent Events of the company's credential changes (metadata only)",
    description:
      "Token in the Authorization header or, for EventSource, the access_token query parameter. Events are INSERT, UPDATE or DELETE with Supabase's postgres-changes payload, their ids the audit ledger's; a comment heartbeat every 25 s. Send Last-Event-ID to replay every change missed since, deletions included. A stream ends when its token expires.",
    security: [{ bearerAuth: [] }],
    request: {
      query: z.object({ channel: z.literal(CHANNEL), access_token: z.string().optional() }),
    },
    responses: {
      200: {
        description: "The event stream",
        content: { "text/event-stream": { schema: z.string() } },
      },
      400: { description: "Missing or unknown channel" },
      401: { description: "Missing or invalid token" },
      403: { description: "Not an admin of a company" },
    },
  });

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
  return Object.assign(app, { dependencies: deps });
}

export type App = ReturnType<typeof createApp>;
