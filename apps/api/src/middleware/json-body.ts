// Bodies of writes must be JSON: anything else is 415 before validation sees it. A write that
// takes no body (a restore) may come without one: no content type and no length.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
/** The writes whose body is optional. */
const BODY_OPTIONAL = /\/credentials\/[0-9]+\/restore$/;

export function requireJsonBody() {
  return createMiddleware<AppEnv>(async function requireJsonBody(c, next) {
    if (c.req.method === "POST" || c.req.method === "PUT" || c.req.method === "PATCH") {
      const type = c.req.header("content-type") ?? "";
      const length = c.req.header("content-length");
      const bodiless =
        !type && !c.req.header("transfer-encoding") && (length === undefined || length === "0");
      if (!(bodiless && BODY_OPTIONAL.test(c.req.path)) && !JSON_TYPE.test(type))
        throw new ApiError("unsupported_media_type", "the body must be application/json");
    }
    await next();
  });
}
