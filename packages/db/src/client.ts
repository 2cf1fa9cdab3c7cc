// What both drivers (postgres.js and embedded PGlite) offer behind one type: the Drizzle handle,
// the request door, readiness, LISTEN and close. Each driver lives in its own file.

import { type SQL, sql } from "drizzle-orm";
import type { Logger } from "drizzle-orm/logger";
import { PgDialect } from "drizzle-orm/pg-core";
import { defaultTransactionLimits, type TransactionLimits } from "./availability";
import { type JwtClaims, requestContextStatement } from "./context";
import type { Database } from "./database";
import type { Operation } from "./operation";

export type { Database, Transaction } from "./database";

/** A change notification as delivered by the driver: the channel's payload text. */
export type NotificationHandler = (payload: string) => void;

/** What readiness found: serving, or reachable but not carrying every committed migration. */
export type Readiness = "ready" | "migrations_missing";

export interface RunOptions {
  /** The request's signal: a request whose client went away stops waiting for a connection. */
  signal?: AbortSignal;
}

/** An open database: the Drizzle handle plus what Drizzle does not cover. */
export interface DatabaseHandle {
  readonly kind: "postgres" | "pglite";
  readonly db: Database;
  /**
   * Subscribes to a NOTIFY channel; resolves to an unsubscribe function. `onListen` runs each time
   * the subscription is (re)established: notifications sent while it was not may have been missed.
   */
  listen(
    channel: string,
    onPayload: NotificationHandler,
    onListen?: () => void,
  ): Promise<() => Promise<void>>;
  /** Applies every pending committed migration, as `drizzle-kit migrate` would. */
  migrate(): Promise<void>;
  /**
   * The request door: runs an operation as its role with the caller's claims, in one transaction
   * whose settings are all transaction-local. On PostgreSQL, BEGIN, the context, the statements
   * and COMMIT go out in one pipelined write and come back in one wait. Waits are bounded: a
   * connection that cannot be had in time, a lock or a statement past its timeout, or a database
   * that went away give a DatabaseUnavailableError.
   */
  run<T>(claims: JwtClaims, operation: Operation<T>, options?: RunOptions): Promise<T>;
  /** Readiness within about a second, on a path that a busy pool cannot block; throws when down. */
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Sees every statement's text and parameters; for tests that assert what is sent. */
  logger?: Logger;
  /** Lock and statement timeouts of every request transaction. */
  limits?: TransactionLimits;
}

const dialect = new PgDialect({ casing: "snake_case" });

/**
 * What the request door sends for an operation, as text and parameters (and logged): the call
 * alone (`selfContained`: it enters the request context itself, in its implicit transaction), or
 * the request context's statement followed by the operation's statements.
 */
export function requestQueries(
  claims: JwtClaims,
  operation: Operation<unknown>,
  options: ConnectOptions,
): { context: DoorQuery | undefined; statements: DoorQuery[]; queries: DoorQuery[] } {
  const { body } = operation;
  const context =
    "call" in body
      ? undefined
      : doorQuery(
          requestContextStatement({ claims, role: operation.role }, options.limits),
          options,
        );
  const statements = (
    "call" in body ? [body.call(sql`${JSON.stringify(claims)}`)] : body.statements
  ).map((statement) => doorQuery(statement, options));
  return { context, statements, queries: context ? [context, ...statements] : statements };
}

/** A statement of the request door as sent: its text and parameters. */
export type DoorQuery = { sql: string; params: unknown[] };

/** What a pipelined message is made of, so that results are picked by what they answer. */
export type PipelinePart = "begin" | "session" | "context" | "statement" | "commit";

/** The results of the operation's own statements, out of a pipeline's results in its parts' order. */
export function statementResults<R>(parts: readonly PipelinePart[], results: readonly R[]): R[] {
  if (parts.length !== results.length) throw new Error("one result per part of the pipeline");
  return results.filter((_, i) => parts[i] === "statement");
}

/** A statement of the request door as text and parameters, logged as it is sent. */
export function doorQuery(statement: SQL, options: ConnectOptions) {
  const query = dialect.sqlToQuery(statement);
  options.logger?.logQuery(query.sql, query.params);
  return query;
}

/**
 * Settings of every API session, the equivalent of setting them in each request transaction:
 * lock and statement timeouts, and generic plans only — a custom plan folds bound parameters
 * (keys, secrets) into constants, which `auto_explain` with `log_verbose` would print.
 */
export function sessionSettings(limits: TransactionLimits = defaultTransactionLimits) {
  return {
    lock_timeout: limits.lockTimeoutMs,
    statement_timeout: limits.statementTimeoutMs,
    plan_cache_mode: "force_generic_plan",
  };
}

/** Readiness from the newest applied migration stamp (undefined: none applied). */
export function readinessOf(newestApplied: number | undefined, newestCommitted: number): Readiness {
  return newestApplied !== undefined && newestApplied >= newestCommitted
    ? "ready"
    : "migrations_missing";
}
