// What the credential route files share: OpenAPI tags and security, the secret's text as sent
// (depth and size limits), a new version's common fields, and a read's response shape.
import type { NewVersion, Credential as StoredCredential } from "@vibot/db";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { ApiError } from "../../errors";
import { MAX_SECRET_BYTES } from "../../schemas";

export const security = [{ bearerAuth: [] }];
export const tags = ["credentials"];
export const jsonBody = <T>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** Deepest nesting a secret may have; deeper input is refused, never truncated. */
export const MAX_SECRET_DEPTH = 64;

function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_SECRET_DEPTH) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * The secret's JSON text exactly as sent: taken from the parsed body itself, not from the
 * validator's copy (which rebuilds objects and would drop an own `__proto__` key). Refused past
 * 65,536 UTF-8 bytes or 64 levels of nesting.
 */
export async function secretText(c: Context<AppEnv>): Promise<string> {
  const { secret } = (await c.req.json()) as { secret: unknown };
  if (depthOf(secret) > MAX_SECRET_DEPTH) {
    throw new ApiError("bad_request", "the request is not valid", [
      { field: "secret", message: `must nest at most ${MAX_SECRET_DEPTH} levels` },
    ]);
  }
  const text = JSON.stringify(secret);
  if (Buffer.byteLength(text, "utf8") > MAX_SECRET_BYTES) {
    throw new ApiError("payload_too_large", `the secret is over ${MAX_SECRET_BYTES} bytes of JSON`);
  }
  return text;
}

/** A new version of the caller's connector, by the caller, under the configured retention. */
export const newVersion = (
  c: Context<AppEnv>,
  connectorId: string,
  expectedVersion: number | undefined,
  lifecycle: Pick<NewVersion, "stage" | "expiresAt"> = {},
): Omit<NewVersion, "secretJson"> => ({
  connectorId,
  rotatedBy: c.var.caller.userId,
  expectedVersion,
  maxVersions: c.var.deps.maxVersions,
  ...lifecycle,
});

export const present = (credential: StoredCredential) => ({
  id: credential.id,
  connectorId: credential.connectorId,
  version: credential.version,
  secret: JSON.parse(credential.secretJson) as string | Record<string, unknown>,
  rotatedAt: credential.rotatedAt,
  rotatedBy: credential.rotatedBy,
  stage: credential.stage,
  expiresAt: credential.expiresAt,
  expired: credential.expired,
});
