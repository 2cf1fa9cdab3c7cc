// /v1/connectors: the caller's company's integration connectors.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createConnectorOperation, listConnectorsOperation } from "@vibot/db";
import type { AppEnv } from "../env";
import { run } from "../request-context";
import {
  Connector,
  CreateConnectorBody,
  commonErrors,
  IdempotencyHeaders,
  json,
  writeErrors,
} from "../schemas";
import { validationHook } from "../validation";

export const connectors = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const security = [{ bearerAuth: [] }];

connectors.openapi(
  createRoute({
    method: "post",
    path: "/",
    tags: ["connectors"],
    summary: "Create a connector in the caller's company",
    security,
    request: {
      headers: IdempotencyHeaders,
      body: { required: true, content: { "application/json": { schema: CreateConnectorBody } } },
    },
    responses: { 201: json(Connector, "The new connector"), ...writeErrors },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const connector = await run(
      c,
      createConnectorOperation({ ...body, createdBy: c.var.caller.userId }),
    );
    return c.json(connector, 201);
  },
);

connectors.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["connectors"],
    summary: "List the caller's company's connectors",
    security,
    responses: {
      200: json(z.object({ connectors: z.array(Connector) }), "The connectors"),
      ...commonErrors,
    },
  }),
  async (c) => c.json({ connectors: await run(c, listConnectorsOperation()) }, 200),
);
