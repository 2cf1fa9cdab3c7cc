// How handlers reach the database: reads as `authenticated` under RLS, writes as `service_role`
// behind the in-database guard; always with the caller's verified claims, in one transaction.
import {
  type Operation,
  type RequestContext,
  type RequestRole,
  type Transaction,
  withRequestContext,
} from "@vibot/db";
import type { Context } from "hono";
import type { AppEnv } from "./env";

const contextOf = (c: Context<AppEnv>, role: RequestRole): RequestContext => ({
  claims: c.var.caller.claims,
  role,
});

/** Runs an operation as a read (pipelined: one round trip on PostgreSQL). */
export const read = <T>(c: Context<AppEnv>, operation: Operation<T>): Promise<T> =>
  c.var.deps.database.run(contextOf(c, "authenticated"), operation);

/** Runs an operation as a write (pipelined: one round trip on PostgreSQL). */
export const write = <T>(c: Context<AppEnv>, operation: Operation<T>): Promise<T> =>
  c.var.deps.database.run(contextOf(c, "service_role"), operation);

/** A read whose statements depend on each other's results (a callback transaction). */
export const asReader = <T>(
  c: Context<AppEnv>,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> => withRequestContext(c.var.deps.database.db, contextOf(c, "authenticated"), work);

/** A write whose statements depend on each other's results (a callback transaction). */
export const asWriter = <T>(
  c: Context<AppEnv>,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> => withRequestContext(c.var.deps.database.db, contextOf(c, "service_role"), work);
