// POST /v1/credentials/batch-read: up to 100 of the caller's connectors in one request and one
// database statement, each read verified, decrypted and audited as a single read is, each failure
// reported on its own. A read: an Idempotency-Key is ignored and nothing of the answer is stored.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { MAX_BATCH_READ, readCredentialsOperation } from "@vibot/db";
import type { AppEnv } from "../env";
import { auditOf, run } from "../request-context";
import { Credential, commonErrors, json, Uuid } from "../schemas";
import { validationHook } from "../validation";
import { present } from "./credentials/shared";

const BatchReadBody = z
  .object({
    connectorIds: z.array(Uuid).min(1).max(MAX_BATCH_READ),
    stage: z.enum(["current"]).optional().openapi({
      description: "Which version of each connector; `current` (the default) is the one served",
    }),
  })
  .openapi("BatchReadRequest");

const BatchReadAnswer = z
  .object({
    credentials: z.array(Credential),
    errors: z.array(
      z.object({ connectorId: Uuid, code: z.enum(["not_found", "integrity_check_failed"]) }),
    ),
  })
  .openapi("BatchReadResponse");

export const batchRead = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

batchRead.openapi(
  createRoute({
    method: "post",
    path: "/batch-read",
    tags: ["credentials"],
    security: [{ bearerAuth: [] }],
    summary: `Read the current secrets of up to ${MAX_BATCH_READ} connectors in one request`,
    request: {
      body: { required: true, content: { "application/json": { schema: BatchReadBody } } },
    },
    responses: {
      200: json(BatchReadAnswer, "Each connector's secret, or why not"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const { connectorIds } = c.req.valid("json");
    const { credentials, errors } = await run(
      c,
      readCredentialsOperation(c.var.deps.keyring, connectorIds, auditOf(c)),
    );
    for (const failed of errors.filter((e) => e.code === "integrity_check_failed")) {
      c.var.deps.logger.error(
        {
          event: "security.integrity_check_failed",
          reason: failed.reason,
          credentialId: failed.credentialId,
          connectorId: failed.connectorId,
          companyId: c.var.caller.companyId,
          requestId: c.var.requestId,
        },
        "credential integrity check failed",
      );
    }
    return c.json(
      {
        credentials: credentials.map(present),
        errors: errors.map(({ connectorId, code }) => ({ connectorId, code })),
      },
      200,
    );
  },
);
