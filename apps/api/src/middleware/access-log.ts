// One structured line per request, written when the response has left (or the client went away):
// status, bytes on the wire, duration and whether the client aborted. The query string is never
// logged (it may hold access_token), nor any header but the request id.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/** What @hono/node-server binds as `c.env`; absent under `app.request()` in tests. */
interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

export function accessLog() {
  return createMiddleware<AppEnv>(async function accessLog(c, next) {
    const started = performance.now();
    const { outgoing } = (c.env ?? {}) as NodeBindings;
    const socket = outgoing?.socket;
    const bytesBefore = socket?.bytesWritten ?? 0;
    await next();
    const write = (extra: { bytes?: number; aborted?: boolean }) =>
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
          ...extra,
        },
        "request",
      );
    if (!outgoing) {
      write({});
      return;
    }
    outgoing.once("close", () =>
      write({
        bytes: (socket?.bytesWritten ?? 0) - bytesBefore,
        aborted: !outgoing.writableFinished,
      }),
    );
  });
}
