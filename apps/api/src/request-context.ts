// How handlers reach the database: reads as `authenticated` under RLS, writes as `service_role`
// behind the in-database guard; always with the caller's verified claims, in one transaction.
import { type Operation, type Transaction, withRequestContext } from "@vibot/db";
import type { Context } from "hono";
import type { AppEnv } from "./env";

/** Runs an operation as a read (pipelined: one round trip on PostgreSQL). */
export function read<T>(c: Context<AppEnv>, operation: Operation<T>): Promise<T> {
  return c.var.deps.database.run({ claims: c.var.caller.claims, role: "authenticated" }, operation);
}

/** Runs an operation as a write (pipelined: one round trip on PostgreSQL). */
export function write<T>(c: Context<AppEnv>, operation: Operation<T>): Promise<T> {
  return c.var.deps.database.run({ claims: c.var.caller.claims, role: "service_role" }, operation);
}

/** A read whose statements depend on each other's results (a callback transaction). */
export function asReader<T>(c: Context<AppEnv>, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return withRequestContext(
    c.var.deps.database.db,
    { claims: c.var.caller.claims, role: "authenticated" },
    work,
  );
}

/** A write whose statements depend on each other's results (a callback transaction). */
export function asWriter<T>(c: Context<AppEnv>, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return withRequestContext(
    c.var.deps.database.db,
    { claims: c.var.caller.claims, role: "service_role" },
    work,
  );
}
