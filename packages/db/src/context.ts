// The only door through which application code touches credentials: a transaction that carries
// the request's verified JWT claims and runs as one of Supabase's API roles.
import { type SQL, sql } from "drizzle-orm";
import { defaultTransactionLimits, type TransactionLimits } from "./availability";
import type { Database, Transaction } from "./database";
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
  limits: TransactionLimits = defaultTransactionLimits,
): Promise<T> {
  const enter = requestContextStatement(context, limits);
  return db.transaction(async (tx) => {
    await tx.execute(enter);
    return work(tx);
  });
}

/**
 * The statement that opens a request context, every setting transaction-local: the claims, the
 * role, the lock and statement timeouts, and generic plans — a custom plan folds bound parameters
 * (keys, secrets) into constants, which `auto_explain` with `log_verbose` would print.
 */
export function requestContextStatement(
  context: RequestContext,
  limits: TransactionLimits = defaultTransactionLimits,
): SQL {
  if (!requestRoles.includes(context.role)) throw new Error("unsupported request role");
  return sql`select set_config('request.jwt.claims', ${JSON.stringify(context.claims)}, true),
    set_config('role', ${context.role}, true),
    set_config('lock_timeout', ${`${limits.lockTimeoutMs}ms`}, true),
    set_config('statement_timeout', ${`${limits.statementTimeoutMs}ms`}, true),
    set_config('plan_cache_mode', 'force_generic_plan', true)`;
}
