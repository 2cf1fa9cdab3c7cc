// POST …/credentials (rotate, or stage a pending version) and POST …/credentials/rollback: each
// writes the next version. POST …/credentials/promote makes the pending version current.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  promoteCredentialVersionOperation,
  rollbackCredentialVersionOperation,
  writeCredentialVersionOperation,
} from "@vibot/db";
import type { AppEnv } from "../../env";
import { auditOf, run } from "../../request-context";
import {
  ConnectorParams,
  CredentialVersion,
  IdempotencyHeaders,
  json,
  PromoteBody,
  RollbackBody,
  RotateBody,
  writeErrors,
} from "../../schemas";
import { validationHook } from "../../validation";
import { jsonBody, newVersion, secretText, security, tags } from "./shared";

export const credentialWrites = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

credentialWrites.openapi(
  createRoute({
    method: "post",
    path: "/{connectorId}/credentials",
    tags,
    security,
    summary:
      "Rotate: write the next version of the connector's secret (current, or pending until promoted)",
    request: { params: ConnectorParams, headers: IdempotencyHeaders, body: jsonBody(RotateBody) },
    responses: { 201: json(CredentialVersion, "The new version"), ...writeErrors },
  }),
  async (c) => {
    const { connectorId } = c.req.valid("param");
    const { expectedVersion, stage, expiresAt } = c.req.valid("json");
    const input = {
      ...newVersion(c, connectorId, expectedVersion, { stage, expiresAt }),
      secretJson: await secretText(c),
    };
    const written = await run(
      c,
      writeCredentialVersionOperation(c.var.deps.keyring, input, auditOf(c)),
    );
    return c.json(written, 201);
  },
);

credentialWrites.openapi(
  createRoute({
    method: "post",
    path: "/{connectorId}/credentials/rollback",
    tags,
    security,
    summary: "Write a new version whose secret is that of an earlier retained version",
    request: {
      params: ConnectorParams,
      headers: IdempotencyHeaders,
      body: jsonBody(RollbackBody),
    },
    responses: { 201: json(CredentialVersion, "The new version"), ...writeErrors },
  }),
  async (c) => {
    const { connectorId } = c.req.valid("param");
    const { version, expectedVersion } = c.req.valid("json");
    // The source is verified and re-encrypted inside the database; its plaintext never gets here.
    const written = await run(
      c,
      rollbackCredentialVersionOperation(
        c.var.deps.keyring,
        { ...newVersion(c, connectorId, expectedVersion), version },
        auditOf(c),
      ),
    );
    return c.json(written, 201);
  },
);

credentialWrites.openapi(
  createRoute({
    method: "post",
    path: "/{connectorId}/credentials/promote",
    tags,
    security,
    summary: "Make the pending version current (the current one becomes previous)",
    request: { params: ConnectorParams, headers: IdempotencyHeaders, body: jsonBody(PromoteBody) },
    responses: { 200: json(CredentialVersion, "The promoted version"), ...writeErrors },
  }),
  async (c) => {
    const { connectorId } = c.req.valid("param");
    const { version, expectedVersion } = c.req.valid("json");
    const promoted = await run(
      c,
      promoteCredentialVersionOperation(connectorId, version, expectedVersion, auditOf(c)),
    );
    return c.json(promoted, 200);
  },
);
