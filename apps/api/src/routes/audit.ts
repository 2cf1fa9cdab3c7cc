// GET /v1/audit: the caller's company's audit ledger, newest first, filtered and paginated.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { auditActions, listEventsOperation } from "@vibot/db";
import type { AppEnv } from "../env";
import { run } from "../request-context";
import { commonErrors, json, Uuid } from "../schemas";
import { validationHook } from "../validation";

export const MAX_AUDIT_PAGE = 500;

const AuditQuery = z.object({
  connectorId: Uuid.optional().openapi({ param: { name: "connectorId", in: "query" } }),
  action: z
    .enum(auditActions)
    .optional()
    .openapi({ param: { name: "action", in: "query" } }),
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({
      param: { name: "since", in: "query" },
      description: "ISO 8601; events at or after",
    }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_AUDIT_PAGE)
    .default(100)
    .openapi({ param: { name: "limit", in: "query" } }),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, "must be a nextCursor this endpoint returned")
    .optional()
    .openapi({ param: { name: "cursor", in: "query" } }),
});

const AuditEvent = z
  .object({
    id: z.string().openapi({ description: "Orders events (a decimal bigint); realtime event ids" }),
    connectorId: Uuid.nullable(),
    credentialId: Uuid.nullable(),
    version: z.number().int().nullable(),
    action: z.enum(auditActions),
    actor: Uuid.nullable(),
    requestId: z.string().nullable(),
    occurredAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("AuditEvent");

const AuditPage = z
  .object({ events: z.array(AuditEvent), nextCursor: z.string().nullable() })
  .openapi("AuditPage");

export const audit = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

audit.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["audit"],
    security: [{ bearerAuth: [] }],
    summary: "The company's audit ledger, newest first",
    request: { query: AuditQuery },
    responses: { 200: json(AuditPage, "A page of events"), ...commonErrors },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const { events, more } = await run(
      c,
      listEventsOperation({
        connectorId: query.connectorId,
        action: query.action,
        since: query.since ? new Date(query.since) : undefined,
        before: query.cursor,
        limit: query.limit,
      }),
    );
    return c.json({ events, nextCursor: more ? (events.at(-1)?.id ?? null) : null }, 200);
  },
);
