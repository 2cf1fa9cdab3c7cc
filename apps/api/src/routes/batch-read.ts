// /v1/credentials: reads across the company's connectors. GET /expiring lists the current versions
// whose expiry is due. POST /batch-read: up to 100 of the caller's connectors in one request and one
// database statement, each read verified, decrypted and audited as a single read is, each failure
// reported on its own. A read: an Idempotency-Key is ignored and nothing of the answer is stored.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { listExpiringOperation, MAX_BATCH_READ, readCredentialsOperation } from "@vibot/db";
import { durationMs } from "../config";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { auditOf, run } from "../request-context";
import { Credential, commonErrors, ExpiringList, json, Uuid } from "../schemas";
import { validationHook } from "../validation";
import { present } from "./credentials/shared";

const BatchReadBody = z
  .object({
    connectorIds: z.array(Uuid).min(1).max(MAX_BATCH_READ),
    stage: z.enum(["current", "pending", "previous"]).optional().openapi({
      description: "Which version of each connector: its current one unless asked",
    }),
  })
  .openapi("BatchReadRequest");

const BatchReadAnswer = z
  .object({
    credentials: z.array(Credential),
    errors: z.array(
      z.object({
        connectorId: Uuid,
        code: z.enum(["not_found", "deleted", "integrity_check_failed"]),
      }),
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
    summary: `Read the secrets (current, pending or previous) of up to ${MAX_BATCH_READ} connectors in one request`,
    request: {
      body: { required: true, content: { "application/json": { schema: BatchReadBody } } },
    },
    responses: {
      200: json(BatchReadAnswer, "Each connector's secret, or why not"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const { connectorIds, stage } = c.req.valid("json");
    const { credentials, errors } = await run(
      c,
      readCredentialsOperation(c.var.deps.keyring, connectorIds, auditOf(c), stage),
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

const ExpiringQuery = z.object({
  within: z
    .string()
    .optional()
    .openapi({ description: "A duration such as 7d, 12h or P7D; default 7d", example: "7d" }),
});

batchRead.openapi(
  createRoute({
    method: "get",
    path: "/expiring",
    tags: ["credentials"],
    security: [{ bearerAuth: [] }],
    summary: "List the current versions that expire within the window, or already did",
    request: { query: ExpiringQuery },
    responses: { 200: json(ExpiringList, "Soonest first"), ...commonErrors },
  }),
  async (c) => {
    const { within = "7d" } = c.req.valid("query");
    const ms = durationMs(within);
    if (ms === undefined || ms > 3_650 * 86_400_000)
      throw new ApiError("bad_request", "the request is not valid", [
        { field: "within", message: "must be a duration such as 7d, 12h or P7D, at most 3650d" },
      ]);
    return c.json({ credentials: await run(c, listExpiringOperation(ms)) }, 200);
  },
);
