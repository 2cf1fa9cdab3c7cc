// One structured line per request. The query string is never logged (it may hold access_token),
// nor any header but the request id.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

export function accessLog() {
  return createMiddleware<AppEnv>(async function accessLog(c, next) {
    const started = performance.now();
    await next();
    c.var.deps.logger.info(
      {
        event: "request",
        requestId: c.var.requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        companyId: c.var.caller?.companyId,
        userId: c.var.caller?.userId,
      },
      "request",
    );
  });
}
