// Verifies the bearer token (HS256 pinned, exp required, sub a uuid) and requires an admin of a
// company, as the seed's policy does.
import { createMiddleware } from "hono/factory";
import { errors, jwtVerify } from "jose";
import { ADMIN_ROLE, companyOf, rolesOf, UUID } from "../claims";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

export interface AuthOptions {
  /** Also accept the token as `?access_token=` (only for EventSource, which cannot set headers). */
  allowQueryToken?: boolean;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

export function requireAdmin(options: AuthOptions = {}) {
  const allowQueryToken = options.allowQueryToken ?? false;
  const keys = new WeakMap<AppEnv["Variables"]["deps"], Uint8Array>();

  return createMiddleware<AppEnv>(async function requireAdmin(c, next) {
    const header = c.req.header("authorization");
    const token = header
      ? BEARER.exec(header)?.[1]
      : allowQueryToken
        ? c.req.query("access_token")
        : undefined;
    if (!token) throw new ApiError("unauthorized", "a bearer access token is required");

    const deps = c.var.deps;
    let key = keys.get(deps);
    if (!key) {
      key = new TextEncoder().encode(deps.jwtSecret);
      keys.set(deps, key);
    }
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, key, {
        algorithms: ["HS256"],
        requiredClaims: ["exp", "sub"],
      }));
    } catch (error) {
      const reason =
        error instanceof errors.JWTExpired
          ? "the access token has expired"
          : "invalid access token";
      throw new ApiError("unauthorized", reason);
    }
    const userId = claims.sub;
    if (typeof userId !== "string" || !UUID.test(userId)) {
      throw new ApiError("unauthorized", "the token subject must be a uuid");
    }
    const companyId = companyOf(claims);
    if (!companyId) throw new ApiError("forbidden", "the token names no company");
    if (!rolesOf(claims).includes(ADMIN_ROLE)) {
      throw new ApiError("forbidden", `the ${ADMIN_ROLE} role is required`);
    }
    c.set("caller", { userId, companyId, claims });
    await next();
  });
}
