// Bodies of writes must be JSON: anything else is 415 before validation sees it.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export function requireJsonBody() {
  return createMiddleware<AppEnv>(async function requireJsonBody(c, next) {
    if (c.req.method === "POST" || c.req.method === "PUT" || c.req.method === "PATCH") {
      const type = c.req.header("content-type") ?? "";
      if (!JSON_TYPE.test(type))
        throw new ApiError("unsupported_media_type", "the body must be application/json");
    }
    await next();
  });
}
