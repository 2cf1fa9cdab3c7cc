// Verifies the bearer token (HS256 pinned, `exp` required and finite, `iat` not in the future,
// `aud` as configured, `sub` a uuid) and requires an admin of a company, as the seed's policy does.
import { createHash, webcrypto } from "node:crypto";
import { ADMIN_ROLE } from "@vibot/db";
import { createMiddleware } from "hono/factory";
import { errors, type JWTPayload, jwtVerify } from "jose";
import { LRUCache } from "lru-cache";
import { companyOf, rolesOf, UUID } from "../claims";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

export interface AuthOptions {
  /** HS256 secret of access tokens (Supabase's JWT secret). */
  secret: string;
  /** Required `aud` claim. */
  audience: string;
  /** Also accept `?access_token=` on these paths (EventSource cannot set headers). */
  queryTokenPaths?: string[];
}

/** The scheme name is case-insensitive (RFC 9110); the token is a compact JWS. */
const BEARER = /^bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;
/** How far in the future `iat` may be (clock skew). */
const MAX_IAT_SKEW_SECONDS = 60;
/** setTimeout's and the cache's largest delay. */
const MAX_TTL_MS = 2_147_483_647;

/**
 * HS256 verification for one JWT secret. A token that verified stays valid until its `exp`
 * whatever we do, so verified claims are kept (by the whole token, signature included) until
 * then: WebCrypto's per-call overhead was the largest single cost of a read.
 */
class TokenVerifier {
  readonly #key: Promise<webcrypto.CryptoKey>;
  readonly #verified = new LRUCache<string, JWTPayload>({ max: 10_000 });

  constructor(
    secret: string,
    readonly audience: string,
  ) {
    this.#key = webcrypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    );
  }

  async verify(token: string): Promise<JWTPayload & { exp: number }> {
    const cached = this.#verified.get(token);
    if (cached && expiresAt(cached) > Date.now()) return cached as JWTPayload & { exp: number };
    const { payload } = await jwtVerify(token, await this.#key, {
      algorithms: ["HS256"],
      audience: this.audience,
      requiredClaims: ["exp", "sub"],
    });
    if (typeof payload.exp !== "number" || !Number.isFinite(payload.exp)) {
      throw new ApiError("unauthorized", "the token's exp must be a finite number");
    }
    if (
      payload.iat !== undefined &&
      (!Number.isFinite(payload.iat) || payload.iat > Date.now() / 1000 + MAX_IAT_SKEW_SECONDS)
    ) {
      throw new ApiError("unauthorized", "the token was issued in the future");
    }
    const ttl = Math.min(expiresAt(payload) - Date.now(), MAX_TTL_MS);
    if (ttl > 0) this.#verified.set(token, payload, { ttl });
    return payload as JWTPayload & { exp: number };
  }
}

const expiresAt = (claims: JWTPayload) => (claims.exp ?? 0) * 1000;

/** Requires a verified admin of a company; sets `caller`. Register once, before the routes. */
export function requireAdmin(options: AuthOptions) {
  const verifier = new TokenVerifier(options.secret, options.audience);
  const queryTokenPaths = new Set(options.queryTokenPaths ?? []);

  return createMiddleware<AppEnv>(async function requireAdmin(c, next) {
    const header = c.req.header("authorization");
    const token = header
      ? BEARER.exec(header.trim())?.[1]
      : queryTokenPaths.has(c.req.path)
        ? c.req.query("access_token")
        : undefined;
    if (!token) throw new ApiError("unauthorized", "a bearer access token is required");

    let claims: JWTPayload & { exp: number };
    try {
      claims = await verifier.verify(token);
    } catch (error) {
      if (error instanceof ApiError) throw error;
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
    c.set("caller", {
      userId,
      companyId,
      claims,
      expiresAt: expiresAt(claims),
      tokenKey: createHash("sha256").update(token).digest("base64url"),
    });
    await next();
  });
}
