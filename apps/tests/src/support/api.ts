// The API in process on a test database, with a token signer and captured log lines.
import { Writable } from "node:stream";
import { type AppDependencies, createApp } from "@vibot/api";
import { createLogger } from "@vibot/api/logger";
import type { components } from "@vibot/client";
import type { Keyring } from "@vibot/crypto";
import { type JwtClaims, verifyKeyring } from "@vibot/db";
import { SignJWT } from "jose";
import type { TestDatabase } from "./database";
import { testKeyring } from "./keys";

export const JWT_SECRET = "test-jwt-secret-with-at-least-32-characters!";

/** Signs claims as Supabase would (HS256), valid for an hour unless told otherwise. */
export async function tokenFor(
  claims: JwtClaims,
  options: {
    secret?: string;
    expiresIn?: string | number;
    omitExp?: boolean;
    /** `aud`; Supabase's user tokens carry `authenticated` (null: none). */
    audience?: string | null;
  } = {},
): Promise<string> {
  let jwt = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt();
  if (options.audience !== null) jwt = jwt.setAudience(options.audience ?? "authenticated");
  if (!options.omitExp) jwt = jwt.setExpirationTime(options.expiresIn ?? "1h");
  return jwt.sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

type Schemas = components["schemas"];

/**
 * Any of the API's JSON bodies, typed from its OpenAPI document, every field optional: a test
 * asserts the fields it expects of the answer it got.
 */
export type ResponseBody = Partial<
  Schemas["Credential"] &
    Schemas["CredentialVersion"] &
    Schemas["CredentialVersionList"] &
    Schemas["Connector"] &
    Schemas["AuditPage"] & {
      // Field details (400) are an array, a deleted version's (410) an object: either reads here.
      error: Omit<Schemas["Error"]["error"], "details"> & {
        details?: { field: string; message: string }[] & { purgeAfter?: string };
      };
      connectors: Schemas["Connector"][];
      status: string;
    }
>;

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Raw body text (sent as is). */
  raw?: string;
  headers?: Record<string, string>;
}

export async function createTestApi(
  db: TestDatabase,
  options: {
    keyring?: Keyring;
    maxVersions?: number;
    realtime?: AppDependencies["realtime"];
    auditReads?: boolean;
    recoveryWindowMs?: number;
  } = {},
) {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const keyring = options.keyring ?? (await testKeyring());
  // As the composition root does at start: registers the keyring's check values (the sequencer
  // chains only under a registered ledger key).
  await verifyKeyring(db.handle, keyring);
  const logger = createLogger("info", sink);
  const app = createApp({
    database: db.handle,
    keyring,
    logger,
    jwtSecret: JWT_SECRET,
    maxVersions: options.maxVersions ?? 10,
    realtime: options.realtime,
    auditReads: options.auditReads,
    recoveryWindowMs: options.recoveryWindowMs,
  });

  async function request(method: string, path: string, init: RequestOptions = {}) {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: string | undefined = init.raw;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await app.request(path, { method, headers, body });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: json as ResponseBody };
  }

  return { app, logs, logger, keyring, request };
}
