// How handlers reach the database: through the request door, with the caller's verified claims.
// The operation declares its role (reads as `authenticated` under RLS, writes as `service_role`
// behind the in-database guard); a client that went away stops waiting for a connection.
import type { Operation } from "@vibot/db";
import type { Context } from "hono";
import type { AppEnv } from "./env";

/** Runs an operation for the request's caller (one round trip on PostgreSQL). */
export const run = <T>(c: Context<AppEnv>, operation: Operation<T>): Promise<T> =>
  c.var.deps.database.run(c.var.caller.claims, operation, { signal: c.req.raw.signal });
