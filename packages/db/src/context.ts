// The only door through which application code touches credentials: a transaction that carries
// the request's verified JWT claims and runs as one of Supabase's API roles.
import { type SQL, sql } from "drizzle-orm";
import type { Database, Transaction } from "./client";
import { type RequestRole, requestRoles } from "./schema/roles";

/** Verified JWT claims, as PostgREST puts them in `request.jwt.claims`. */
export type JwtClaims = Readonly<Record<string, unknown>>;

export interface RequestContext {
  claims: JwtClaims;
  role: RequestRole;
}

/**
 * Runs `work` in one transaction whose `request.jwt.claims` and role are set transaction-locally
 * (bound parameters, `set_config(..., true)`), so nothing outlives it on a pooled connection.
 */
export async function withRequestContext<T>(
  db: Database,
  context: RequestContext,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const enter = requestContextStatement(context);
  return db.transaction(async (tx) => {
    await tx.execute(enter);
    return work(tx);
  });
}

/** The statement that opens a request context: claims and role, both transaction-local. */
export function requestContextStatement(context: RequestContext): SQL {
  if (!requestRoles.includes(context.role)) throw new Error("unsupported request role");
  return sql`select set_config('request.jwt.claims', ${JSON.stringify(context.claims)}, true), set_config('role', ${context.role}, true)`;
}
