// How handlers reach the database: through the request door, with the caller's verified claims.
// The operation declares its role (reads as `authenticated` under RLS, writes as `service_role`
// behind the in-database guard); a client that went away stops waiting for a connection.
import type { AuditContext, Operation } from "@vibot/db";
import type { Context } from "hono";
import type { AppEnv } from "./env";

/** The request's audit context: its id for the ledger, and whether reads are recorded. */
export const auditOf = (c: Context<AppEnv>): AuditContext => ({
  actor: c.var.caller.userId,
  requestId: c.var.requestId,
  reads: c.var.deps.auditReads,
});

/**
 * Runs an operation for the request's caller (one round trip on PostgreSQL). Writes get the
 * request's abort signal, so that a client that left before its write started writes nothing;
 * reads do not need it, and the signal hangs on a full undici Request that the adapter otherwise
 * never builds.
 */
export const run = <T>(c: Context<AppEnv>, operation: Operation<T>): Promise<T> =>
  c.var.deps.database.run(
    c.var.caller.claims,
    operation,
    operation.role === "service_role" ? { signal: c.req.raw.signal } : {},
  );
