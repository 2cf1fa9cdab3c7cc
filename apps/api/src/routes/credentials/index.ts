// /v1/connectors/{connectorId}/credentials (mounted at /v1/connectors): one file per route group.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { credentialDestruction } from "./destroy";
import { credentialReads } from "./read";
import { credentialWrites } from "./write";

export const credentials = new OpenAPIHono<AppEnv>()
  .route("/", credentialReads)
  .route("/", credentialWrites)
  .route("/", credentialDestruction);
