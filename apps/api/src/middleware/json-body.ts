// Bodies of writes must be JSON: a body of any other type is 415 before validation sees it. A
// write sent without a body (no content type, no length) is left to its route: a route that needs
// a body answers 400, one whose body is optional (a restore) takes none.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export function requireJsonBody() {
  return createMiddleware<AppEnv>(async function requireJsonBody(c, next) {
    if (c.req.method === "POST" || c.req.method === "PUT" || c.req.method === "PATCH") {
      const type = c.req.header("content-type") ?? "";
      const length = c.req.header("content-length");
      const bodiless =
        !type && !c.req.header("transfer-encoding") && (length === undefined || length === "0");
      if (!bodiless && !JSON_TYPE.test(type))
        throw new ApiError("unsupported_media_type", "the body must be application/json");
    }
    await next();
  });
}
