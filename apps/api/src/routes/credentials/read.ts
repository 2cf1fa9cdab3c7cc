// GET …/credentials (versions, metadata only), …/current, …/pending, …/previous and …/{version}
// (verified, decrypted). The named stages are registered before `{version}`, which would
// otherwise match them.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { listCredentialVersionsOperation, readCredentialOperation } from "@vibot/db";
import type { AppEnv } from "../../env";
import { auditOf, run } from "../../request-context";
import {
  ConnectorParams,
  Credential,
  commonErrors,
  json,
  VersionList,
  VersionParams,
} from "../../schemas";
import { validationHook } from "../../validation";
import { present, security, tags } from "./shared";

export const credentialReads = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

credentialReads.openapi(
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
    const { versions, currentVersion } = await run(c, listCredentialVersionsOperation(connectorId));
    return c.json(
      {
        versions: versions.map(
          ({ id, version, rotatedAt, rotatedBy, stage, expiresAt, purgeAfter }) => ({
            id,
            version,
            rotatedAt,
            rotatedBy,
            stage,
            expiresAt,
            purgeAfter,
          }),
        ),
        currentVersion,
      },
      200,
    );
  },
);

const stageReads = {
  current: "Read the current secret (checksum verified before decryption)",
  pending: "Read the pending (staged, not yet promoted) secret",
  previous: "Read the secret that was current before the last change of current",
} as const;

for (const [stage, summary] of Object.entries(stageReads) as [keyof typeof stageReads, string][])
  credentialReads.openapi(
    createRoute({
      method: "get",
      path: `/{connectorId}/credentials/${stage}`,
      tags,
      security,
      summary,
      request: { params: ConnectorParams },
      responses: { 200: json(Credential, `The ${stage} version and its secret`), ...commonErrors },
    }),
    async (c) => {
      const { connectorId } = c.req.valid("param");
      const credential = await run(
        c,
        readCredentialOperation(c.var.deps.keyring, connectorId, stage, auditOf(c)),
      );
      return c.json(present(credential), 200);
    },
  );

credentialReads.openapi(
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
      readCredentialOperation(c.var.deps.keyring, connectorId, Number(version), auditOf(c)),
    );
    return c.json(present(credential), 200);
  },
);
