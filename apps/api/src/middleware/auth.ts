// Verifies the bearer token (HS256 pinned, exp required, sub a uuid) and requires an admin of a
// company, as the seed's policy does.
import { webcrypto } from "node:crypto";
import { createMiddleware } from "hono/factory";
import { errors, type JWTPayload, jwtVerify } from "jose";
import { LRUCache } from "lru-cache";
import { ADMIN_ROLE, companyOf, rolesOf, UUID } from "../claims";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

export interface AuthOptions {
  /** Also accept the token as `?access_token=` (only for EventSource, which cannot set headers). */
  allowQueryToken?: boolean;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

/**
 * HS256 verification for one JWT secret. A token that verified stays valid until its `exp`
 * whatever we do, so verified claims are kept (by the whole token, signature included) until
 * then: WebCrypto's per-call overhead was the largest single cost of a read.
 */
class TokenVerifier {
  readonly #key: Promise<webcrypto.CryptoKey>;
  readonly #verified = new LRUCache<string, JWTPayload>({ max: 10_000 });

  constructor(secret: string) {
    this.#key = webcrypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    );
  }

  async verify(token: string): Promise<JWTPayload> {
    const cached = this.#verified.get(token);
    if (cached && typeof cached.exp === "number" && cached.exp * 1000 > Date.now()) return cached;
    const { payload } = await jwtVerify(token, await this.#key, {
      algorithms: ["HS256"],
      requiredClaims: ["exp", "sub"],
    });
    const ttl = (payload.exp ?? 0) * 1000 - Date.now();
    if (ttl > 0) this.#verified.set(token, payload, { ttl });
    return payload;
  }
}

export function requireAdmin(options: AuthOptions = {}) {
  const allowQueryToken = options.allowQueryToken ?? false;
  const verifiers = new WeakMap<AppEnv["Variables"]["deps"], TokenVerifier>();

  return createMiddleware<AppEnv>(async function requireAdmin(c, next) {
    const header = c.req.header("authorization");
    const token = header
      ? BEARER.exec(header)?.[1]
      : allowQueryToken
        ? c.req.query("access_token")
        : undefined;
    if (!token) throw new ApiError("unauthorized", "a bearer access token is required");

    const deps = c.var.deps;
    let verifier = verifiers.get(deps);
    if (!verifier) {
      verifier = new TokenVerifier(deps.jwtSecret);
      verifiers.set(deps, verifier);
    }
    let claims: JWTPayload;
    try {
      claims = await verifier.verify(token);
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
