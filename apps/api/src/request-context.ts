// How handlers reach the database: reads as `authenticated` under RLS, writes as `service_role`
// behind the in-database guard; always with the caller's verified claims.
import { type Transaction, withRequestContext } from "@vibot/db";
import type { Context } from "hono";
import type { AppEnv } from "./env";

export function asReader<T>(c: Context<AppEnv>, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return withRequestContext(
    c.var.deps.database.db,
    { claims: c.var.caller.claims, role: "authenticated" },
    work,
  );
}

export function asWriter<T>(c: Context<AppEnv>, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return withRequestContext(
    c.var.deps.database.db,
    { claims: c.var.caller.claims, role: "service_role" },
    work,
  );
}
