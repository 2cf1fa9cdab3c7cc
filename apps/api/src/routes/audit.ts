// GET /v1/audit: the caller's company's audit ledger, newest first, filtered and paginated.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { openEventId, sealEventId } from "@vibot/crypto";
import { auditActions, listEventsOperation } from "@vibot/db";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
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
    // PostgreSQL's timestamptz has no year 0 (zod's datetime allows 0000): 0001-9999 only.
    .refine((value) => !value.startsWith("0000"), "must be a date in the years 0001-9999")
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
    .max(80)
    .optional()
    .openapi({ param: { name: "cursor", in: "query" } }),
});

const AuditEvent = z
  .object({
    id: z.string().openapi({ description: "Opaque; the same id the realtime stream gives" }),
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
    const { keyring } = c.var.deps;
    const before = query.cursor === undefined ? undefined : openEventId(keyring, query.cursor);
    if (query.cursor !== undefined && before === undefined)
      throw new ApiError("bad_request", "the request is not valid", [
        { field: "cursor", message: "must be a nextCursor this endpoint returned" },
      ]);
    const page = await run(
      c,
      listEventsOperation({
        connectorId: query.connectorId,
        action: query.action,
        since: query.since ? new Date(query.since) : undefined,
        before: before === undefined ? undefined : String(before),
        limit: query.limit,
      }),
    );
    const events = page.events.map((event) => ({ ...event, id: sealEventId(keyring, event.id) }));
    return c.json({ events, nextCursor: page.more ? (events.at(-1)?.id ?? null) : null }, 200);
  },
);
