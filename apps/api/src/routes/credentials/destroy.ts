// DELETE …/credentials/{version} and DELETE …/credentials: delete one version, or every one,
// restorable for the recovery window (or destroyed at once with ?purge=true); and
// POST …/credentials/{version}/restore, which undoes a delete within the window.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { deleteCredentialVersionsOperation, restoreCredentialVersionOperation } from "@vibot/db";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { auditOf, run } from "../../request-context";
import {
  ConnectorParams,
  CredentialVersion,
  commonErrors,
  IdempotencyHeaders,
  json,
  VersionParams,
  writeErrors,
} from "../../schemas";
import { validationHook } from "../../validation";
import { security, tags } from "./shared";

export const credentialDestruction = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const PurgeQuery = z.object({
  purge: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "`true` destroys at once instead of keeping the versions restorable" }),
});

const deleteOptions = (c: Context<AppEnv>, purge: string | undefined, version?: number) => ({
  version,
  purge: purge === "true",
  recoveryWindowMs: c.var.deps.recoveryWindowMs,
});

const deleted = {
  204: { description: "Deleted (restorable until the recovery window ends) or destroyed" },
};

credentialDestruction.openapi(
  createRoute({
    method: "delete",
    path: "/{connectorId}/credentials/{version}",
    tags,
    security,
    summary:
      "Delete one version: restorable for the recovery window, or destroyed with ?purge=true",
    request: { params: VersionParams, query: PurgeQuery },
    responses: { ...deleted, ...commonErrors },
  }),
  async (c) => {
    const { connectorId, version } = c.req.valid("param");
    const { purge } = c.req.valid("query");
    await run(
      c,
      deleteCredentialVersionsOperation(
        connectorId,
        deleteOptions(c, purge, Number(version)),
        auditOf(c),
      ),
    );
    return c.body(null, 204);
  },
);

credentialDestruction.openapi(
  createRoute({
    method: "delete",
    path: "/{connectorId}/credentials",
    tags,
    security,
    summary: "Delete every version of the connector (restorable, or destroyed with ?purge=true)",
    request: { params: ConnectorParams, query: PurgeQuery },
    responses: { ...deleted, ...commonErrors },
  }),
  async (c) => {
    const { connectorId } = c.req.valid("param");
    const { purge } = c.req.valid("query");
    await run(
      c,
      deleteCredentialVersionsOperation(connectorId, deleteOptions(c, purge), auditOf(c)),
    );
    return c.body(null, 204);
  },
);

const RestoreBody = z.strictObject({}).openapi("RestoreCredential");

credentialDestruction.openapi(
  createRoute({
    method: "post",
    path: "/{connectorId}/credentials/{version}/restore",
    tags,
    security,
    summary: "Restore a deleted version within its recovery window",
    request: {
      params: VersionParams,
      headers: IdempotencyHeaders,
      body: { required: false, content: { "application/json": { schema: RestoreBody } } },
    },
    responses: { 200: json(CredentialVersion, "The restored version"), ...writeErrors },
  }),
  async (c) => {
    const { connectorId, version } = c.req.valid("param");
    const { expiresAt: _, ...restored } = await run(
      c,
      restoreCredentialVersionOperation(connectorId, Number(version), auditOf(c)),
    );
    return c.json(restored, 200);
  },
);
