// DELETE …/credentials/{version} and DELETE …/credentials: destroy one version, or every one.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { destroyCredentialVersionsOperation } from "@vibot/db";
import type { AppEnv } from "../../env";
import { auditOf, run } from "../../request-context";
import { ConnectorParams, commonErrors, VersionParams } from "../../schemas";
import { validationHook } from "../../validation";
import { security, tags } from "./shared";

export const credentialDestruction = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

credentialDestruction.openapi(
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
      destroyCredentialVersionsOperation(
        connectorId,
        c.var.caller.userId,
        Number(version),
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
    summary: "Destroy every version of the connector",
    request: { params: ConnectorParams },
    responses: { 204: { description: "Destroyed" }, ...commonErrors },
  }),
  async (c) => {
    const { connectorId } = c.req.valid("param");
    await run(
      c,
      destroyCredentialVersionsOperation(connectorId, c.var.caller.userId, undefined, auditOf(c)),
    );
    return c.body(null, 204);
  },
);
