// A database operation as data: the role it runs as, the statements it sends in order, and how to
// read their rows. The request door (`DatabaseHandle.run`) sends it in one round trip; inside a
// caller's own transaction it runs statement by statement.
import type { SQL } from "drizzle-orm";
import type { Transaction } from "./client";
import { queryRows } from "./rows";
import type { RequestRole } from "./schema/roles";

export interface Operation<T> {
  /** `authenticated` for reads (under RLS), `service_role` for writes (behind the guard). */
  role: RequestRole;
  /**
   * Writes with the same key (a connector id) wait for each other in the process before they take
   * a pooled connection, so one hot or locked connector holds at most one connection.
   */
  queueKey?: string;
  /** Run in order, each with its own snapshot (READ COMMITTED), in one transaction. */
  statements: SQL[];
  /** Turns the rows of every statement into the result, or throws the domain error. */
  interpret(results: Record<string, unknown>[][]): T;
  /** Maps a database error to a domain error (e.g. pgcrypto's refusal to an IntegrityError). */
  mapError?(error: unknown): unknown;
}

/** The error a failed operation reports: its domain mapping of the database error, or the error. */
export function operationFailure(operation: Operation<unknown>, error: unknown): unknown {
  return operation.mapError?.(error) ?? error;
}

/** Runs an operation inside an open transaction, one statement after another. */
export async function runInTransaction<T>(tx: Transaction, operation: Operation<T>): Promise<T> {
  const results: Record<string, unknown>[][] = [];
  try {
    for (const statement of operation.statements) results.push(await queryRows(tx, statement));
  } catch (error) {
    throw operationFailure(operation, error);
  }
  return operation.interpret(results);
}
