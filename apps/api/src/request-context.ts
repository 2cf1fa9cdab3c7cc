// How handlers reach the database: through the request door, with the caller's verified claims.
// The operation declares its role (reads as `authenticated` under RLS, writes as `service_role`
// behind the in-database guard); a client that went away stops waiting for a connection. A POST
// with an Idempotency-Key is answered once and replayed after (docs/SECURITY.md, rules: "Idempotency").
import { requestDigest } from "@vibot/crypto";
import {
  type AuditContext,
  IdempotencyRace,
  type Operation,
  recallRequestOperation,
  rememberingOperation,
  replay,
} from "@vibot/db";
import type { Context } from "hono";
import type { AppEnv } from "./env";
import { ApiError } from "./errors";

/** The request's audit context: its id for the ledger, and whether reads are recorded. */
export const auditOf = (c: Context<AppEnv>): AuditContext => ({
  requestId: c.var.requestId,
  reads: c.var.deps.auditReads,
});

/**
 * Runs an operation for the request's caller (one round trip on PostgreSQL). Writes get the
 * request's abort signal, so that a client that left before its write started writes nothing;
 * reads do not need it, and the signal hangs on a full undici Request that the adapter otherwise
 * never builds.
 */
export function run<T>(c: Context<AppEnv>, operation: Operation<T>): Promise<T> {
  const key = c.req.method === "POST" ? c.req.header("idempotency-key") : undefined;
  if (key && operation.role === "service_role") return runOnce(c, operation, key);
  return door(c, operation);
}

/** Runs an operation for the caller; after a write commits, this process's feed is woken. */
async function door<T>(c: Context<AppEnv>, operation: Operation<T>): Promise<T> {
  const writes = operation.role === "service_role";
  const result = await c.var.deps.database.run(
    c.var.caller.claims,
    operation,
    writes ? { signal: c.req.raw.signal } : {},
  );
  if (writes) c.var.deps.realtime.hub.wake();
  return result;
}

/**
 * A write under an Idempotency-Key (validated by the route's header schema): the key's entry, if
 * the company has a live one, answers it (the same rows, so the same response) or refuses another
 * body with 422; else the write runs and remembers the key in its transaction. A repeat that raced
 * the first and lost rolled back; it is answered from the winner's entry.
 */
async function runOnce<T>(c: Context<AppEnv>, operation: Operation<T>, key: string): Promise<T> {
  // The body as parsed (the same value in the same key order gives the same digest).
  const body = JSON.stringify(await c.req.json());
  const digest = requestDigest(c.var.deps.keyring, c.req.method, c.req.path, body);
  for (let attempt = 0; ; attempt++) {
    const remembered = await door(c, recallRequestOperation(key));
    if (remembered) {
      if (remembered.digest !== digest)
        throw new ApiError(
          "idempotency_key_reused",
          "this Idempotency-Key was used with another request; use a new key for a new request",
        );
      c.header("Idempotent-Replayed", "true");
      return replay(operation, remembered);
    }
    try {
      return await door(c, rememberingOperation(operation, { key, digest }));
    } catch (error) {
      if (!(error instanceof IdempotencyRace) || attempt > 0) throw error;
    }
  }
}
