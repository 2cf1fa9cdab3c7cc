// /v1/connectors/{connectorId}/credentials (mounted at /v1/connectors): rotation, versions, reads, rollback and destruction.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  destroyCredentialVersionsOperation,
  listCredentialVersionsOperation,
  type NewVersion,
  readCredentialOperation,
  rollbackCredentialVersionOperation,
  type Credential as StoredCredential,
  writeCredentialVersionOperation,
} from "@vibot/db";
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { run } from "../request-context";
import {
  ConnectorParams,
  Credential,
  CredentialVersion,
  commonErrors,
  json,
  MAX_SECRET_BYTES,
  RollbackBody,
  RotateBody,
  VersionList,
  VersionParams,
  writeErrors,
} from "../schemas";
import { validationHook } from "../validation";

export const credentials = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const security = [{ bearerAuth: [] }];
const tags = ["credentials"];
const jsonBody = <T>(schema: T) => ({
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
async function secretText(c: Context<AppEnv>): Promise<string> {
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
const newVersion = (
  c: Context<AppEnv>,
  connectorId: string,
  expectedVersion: number | undefined,
): Omit<NewVersion, "plaintext"> => ({
  connectorId,
  rotatedBy: c.var.caller.userId,
  expectedVersion,
  maxVersions: c.var.deps.maxVersions,
});

const present = (credential: StoredCredential) => ({
  id: credential.id,
  connectorId: credential.connectorId,
  version: credential.version,
  secret: JSON.parse(credential.plaintext) as string | Record<string, unknown>,
  rotatedAt: credential.rotatedAt,
  rotatedBy: credential.rotatedBy,
});

credentials.openapi(
  createRoute({
    method: "post",
    path: "/{connectorId}/credentials",
    tags,
    security,
    summary: "Rotate: write the next version of the connector's secret",
    request: { params: ConnectorParams, body: jsonBody(RotateBody) },
    responses: { 201: json(CredentialVersion, "The new version"), ...writeErrors },
  }),
  async (c) => {
    const { connectorId } = c.req.valid("param");
    const { expectedVersion } = c.req.valid("json");
    const input = {
      ...newVersion(c, connectorId, expectedVersion),
      plaintext: await secretText(c),
    };
    const written = await run(c, writeCredentialVersionOperation(c.var.deps.keyring, input));
    return c.json(written, 201);
  },
);

credentials.openapi(
  createRoute({
    method: "get",
    path: "/{connectorId}/credentials",
    tags,
    security,
    summary: "List the retained versions (metadata only), newest first",
    request: { params: ConnectorParams },
    responses: { 200: json(VersionList, "The versions"), ...commonErrors },
  }),
  async (c) => {
    const { connectorId } = c.req.valid("param");
    const versions = await run(c, listCredentialVersionsOperation(connectorId));
    return c.json(
      {
        versions: versions.map(({ id, version, rotatedAt, rotatedBy }) => ({
          id,
          version,
          rotatedAt,
          rotatedBy,
        })),
        currentVersion: versions[0]?.version ?? null,
      },
      200,
    );
  },
);

credentials.openapi(
  createRoute({
    method: "get",
    path: "/{connectorId}/credentials/current",
    tags,
    security,
    summary: "Read the current secret (checksum verified before decryption)",
    request: { params: ConnectorParams },
    responses: { 200: json(Credential, "The current version and its secret"), ...commonErrors },
  }),
  async (c) => {
    const { connectorId } = c.req.valid("param");
    const credential = await run(c, readCredentialOperation(c.var.deps.keyring, connectorId));
    return c.json(present(credential), 200);
  },
);

credentials.openapi(
  createRoute({
    method: "post",
    path: "/{connectorId}/credentials/rollback",
    tags,
    security,
    summary: "Write a new version whose secret is that of an earlier retained version",
    request: { params: ConnectorParams, body: jsonBody(RollbackBody) },
    responses: { 201: json(CredentialVersion, "The new version"), ...writeErrors },
  }),
  async (c) => {
    const { connectorId } = c.req.valid("param");
    const { version, expectedVersion } = c.req.valid("json");
    // The source is verified and re-encrypted inside the database; its plaintext never gets here.
    const written = await run(
      c,
      rollbackCredentialVersionOperation(c.var.deps.keyring, {
        ...newVersion(c, connectorId, expectedVersion),
        version,
      }),
    );
    return c.json(written, 201);
  },
);

credentials.openapi(
  createRoute({
    method: "get",
    path: "/{connectorId}/credentials/{version}",
    tags,
    security,
    summary: "Read a specific retained version",
    request: { params: VersionParams },
    responses: { 200: json(Credential, "The version and its secret"), ...commonErrors },
  }),
  async (c) => {
    const { connectorId, version } = c.req.valid("param");
    const credential = await run(
      c,
      readCredentialOperation(c.var.deps.keyring, connectorId, Number(version)),
    );
    return c.json(present(credential), 200);
  },
);

credentials.openapi(
  createRoute({
    method: "delete",
    path: "/{connectorId}/credentials/{version}",
    tags,
    security,
    summary: "Destroy one version",
    request: { params: VersionParams },
    responses: { 204: { description: "Destroyed" }, ...commonErrors },
  }),
  async (c) => {
    const { connectorId, version } = c.req.valid("param");
    await run(
      c,
      destroyCredentialVersionsOperation(connectorId, c.var.caller.userId, Number(version)),
    );
    return c.body(null, 204);
  },
);

credentials.openapi(
  createRoute({
    method: "delete",
    path: "/{connectorId}/credentials",
    tags,
    security,
    summary: "Destroy every version of the connector",
    request: { params: ConnectorParams },
    responses: { 204: { description: "Destroyed" }, ...commonErrors },
  }),
  async (c) => {
    const { connectorId } = c.req.valid("param");
    await run(c, destroyCredentialVersionsOperation(connectorId, c.var.caller.userId));
    return c.body(null, 204);
  },
);
