// A database operation as data: the role it runs as, what it sends, and how to read the rows.
// The request door (`DatabaseHandle.run`) sends it in one round trip; inside a caller's own
// transaction it runs statement by statement.
import { type SQL, sql } from "drizzle-orm";
import type { Transaction } from "./database";
import { queryRows } from "./rows";
import type { RequestRole } from "./schema/roles";

/**
 * A call (a read, or a rotation) as the door may run it with others of the same moment in one
 * statement. The lane that batches calls knows nothing of what they do: each brings the builder
 * of the shared statement.
 */
export interface BatchedCall {
  /** Calls with equal keys (the same statement shape and shared arguments) may go together. */
  readonly key: string;
  /**
   * The one statement that runs `calls` (each with its caller's claims as JSON text), each under
   * its own claims; every row carries `ordinal`, the 1-based position of the call it answers.
   */
  together(calls: readonly { claims: string; call: BatchedCall }[]): SQL;
  /**
   * Whether a call's rows from the shared statement say it did not run there (a write whose
   * connector another transaction had locked): the door then sends it again alone, where it may
   * wait for the lock without holding up the others.
   */
  skipped?(rows: readonly Record<string, unknown>[]): boolean;
}

export interface Operation<T> {
  /** `authenticated` for reads (under RLS), `service_role` for writes (behind the guard). */
  role: RequestRole;
  /**
   * Writes with the same key (a connector id) wait for each other in the process before they take
   * a pooled connection, so one hot or locked connector holds at most one connection.
   */
  queueKey?: string;
  /**
   * What it sends: statements run after the request context is entered (claims and role, set
   * transaction-locally), each with its own snapshot; or `call`, one statement calling a
   * request-door function that enters the context itself from the claims it is given.
   */
  body: { statements: SQL[] } | { call: (claims: SQL) => SQL };
  /**
   * A call as the door may run it with others of the same moment in one statement, each under
   * its own claims (on PostgreSQL): one message and one durable commit for all of them (for
   * reads, when they are audited). Never on a write remembered under an Idempotency-Key.
   */
  together?: BatchedCall;
  /**
   * For a write: which of its rows (`r`) mean it wrote something. Only such an outcome is kept
   * under an Idempotency-Key (a refused write leaves no key behind); absent, every outcome wrote.
   */
  written?: SQL;
  /** Turns the rows of every statement (of the call: one) into the result, or throws. */
  interpret(results: Record<string, unknown>[][]): T;
  /** Maps a database error to a domain error (e.g. pgcrypto's refusal to an IntegrityError). */
  mapError?(error: unknown): unknown;
}

/** The error a failed operation reports: its domain mapping of the database error, or the error. */
export function operationFailure(operation: Operation<unknown>, error: unknown): unknown {
  return operation.mapError?.(error) ?? error;
}

/**
 * Runs an operation inside an open request transaction, one statement after another. A call
 * keeps the transaction's claims (the function sees it is already in its role).
 */
export async function runInTransaction<T>(tx: Transaction, operation: Operation<T>): Promise<T> {
  const statements =
    "call" in operation.body
      ? [operation.body.call(sql`current_setting('request.jwt.claims', true)`)]
      : operation.body.statements;
  const results: Record<string, unknown>[][] = [];
  try {
    for (const statement of statements) results.push(await queryRows(tx, statement));
  } catch (error) {
    throw operationFailure(operation, error);
  }
  return operation.interpret(results);
}
