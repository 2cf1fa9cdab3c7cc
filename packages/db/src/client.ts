// Connects to PostgreSQL (postgres.js) or embedded PGlite (with pgcrypto) behind one Drizzle type.
import { PGlite, parse, protocol } from "@electric-sql/pglite";
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto";
import type { Logger } from "drizzle-orm/logger";
import { type PgDatabase, PgDialect, type PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { type RequestContext, requestContextStatement } from "./context";
import { migratorConfig } from "./migrations";
import { type Operation, operationFailure } from "./operation";
import * as schema from "./schema";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** A change notification as delivered by the driver: the channel's payload text. */
export type NotificationHandler = (payload: string) => void;

/** An open database: the Drizzle handle plus what Drizzle does not cover (LISTEN, close). */
export interface DatabaseHandle {
  readonly kind: "postgres" | "pglite";
  readonly db: Database;
  /** Subscribes to a NOTIFY channel; resolves to an unsubscribe function. */
  listen(channel: string, onPayload: NotificationHandler): Promise<() => Promise<void>>;
  /** Applies every pending committed migration, as `drizzle-kit migrate` would. */
  migrate(): Promise<void>;
  /**
   * Runs an operation as the request door does (one transaction, claims and role set
   * transaction-locally). On PostgreSQL, BEGIN, the context, the statements and COMMIT go out in
   * one pipelined write and come back in one wait.
   */
  run<T>(context: RequestContext, operation: Operation<T>): Promise<T>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Sees every statement's text and parameters; for tests that assert what is sent. */
  logger?: Logger;
}

export interface PostgresOptions extends ConnectOptions {
  /** Pool size; postgres.js opens connections lazily. */
  max?: number;
}

/** Opens a postgres.js pool on `url`. */
export function connectPostgres(url: string, options: PostgresOptions = {}): DatabaseHandle {
  const client = postgres(url, {
    max: options.max ?? 20,
    onnotice: () => {},
    // Keys and secrets travel as parameters; never let a driver error echo them back.
    debug: false,
  });
  const db = drizzlePostgres({
    client,
    schema,
    casing: "snake_case",
    logger: options.logger ?? false,
  });
  return {
    kind: "postgres",
    db,
    async listen(channel, onPayload) {
      const subscription = await client.listen(channel, onPayload);
      return () => subscription.unlisten();
    },
    migrate: () => migratePostgres(db, migratorConfig),
    async run(context, operation) {
      const queries = requestQueries(context, operation, options.logger);
      const connection = await client.reserve();
      try {
        // Issued without awaiting in between: postgres.js writes them together. Each carries its
        // own Sync, so a failing statement aborts the transaction and COMMIT then rolls it back.
        const pending = [
          connection.unsafe("begin"),
          ...queries.map((q) => connection.unsafe(q.sql, q.params as never[], { prepare: true })),
          connection.unsafe("commit"),
        ];
        const settled = await Promise.allSettled(pending);
        const failure = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
        if (failure) throw operationFailure(operation, failure.reason);
        const rows = settled.map(
          (r) => (r as PromiseFulfilledResult<Record<string, unknown>[]>).value,
        );
        return operation.interpret(rows.slice(2, -1).map((r) => [...r]));
      } finally {
        connection.release();
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/** Opens (creating when missing) an embedded PGlite database with pgcrypto loaded. */
export async function connectPglite(
  dataDir: string | undefined,
  options: ConnectOptions = {},
): Promise<DatabaseHandle> {
  const client = await PGlite.create(dataDir, { extensions: { pgcrypto } });
  return wrapPglite(client, options);
}

/** Wraps an already open PGlite instance (tests hand in a migrated clone). */
export function wrapPglite(client: PGlite, options: ConnectOptions = {}): DatabaseHandle {
  const db = drizzlePglite({
    client,
    schema,
    casing: "snake_case",
    logger: options.logger ?? false,
  });
  return {
    kind: "pglite",
    db,
    listen: (channel, onPayload) => client.listen(channel, onPayload),
    migrate: () => migratePglite(db, migratorConfig),
    // Every call into the engine costs (PGlite's query() makes six per statement), so the
    // context and the statements go in as one pipelined protocol message. PGlite's transaction()
    // supplies BEGIN/COMMIT and keeps every other transaction out meanwhile.
    async run(context, operation) {
      const message = pipelineMessage(requestQueries(context, operation, options.logger));
      let rows: Record<string, unknown>[][];
      try {
        rows = await client.transaction(async () => {
          const { messages } = await client.execProtocol(message, { throwOnError: false });
          const failure = messages.find((m) => m instanceof Error) as DatabaseError | undefined;
          if (failure) throw failure;
          return parseResults(messages, client.parsers).map(
            (r) => r.rows as Record<string, unknown>[],
          );
        });
      } catch (error) {
        throw operationFailure(operation, error);
      }
      return operation.interpret(rows.slice(1));
    },
    close: () => client.close(),
  };
}

const dialect = new PgDialect({ casing: "snake_case" });
const { parseResults } = parse;
type DatabaseError = Error & { code?: string };

/** A parameter in PostgreSQL's text format (the server infers or casts its type). */
function textParameter(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString("hex")}`;
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Extended-protocol messages for each query, each with its own Sync, as one buffer. */
function pipelineMessage(queries: { sql: string; params: unknown[] }[]): Uint8Array {
  const { serialize } = protocol;
  return Buffer.concat(
    queries.flatMap((q) => [
      serialize.parse({ text: q.sql }),
      serialize.bind({ values: q.params.map(textParameter) }),
      serialize.describe({ type: "P" }),
      serialize.execute({}),
      serialize.sync(),
    ]),
  );
}

/** The request context's statement and the operation's, as text and parameters (and logged). */
function requestQueries(context: RequestContext, operation: Operation<unknown>, logger?: Logger) {
  return [requestContextStatement(context), ...operation.statements].map((statement) => {
    const query = dialect.sqlToQuery(statement);
    logger?.logQuery(query.sql, query.params);
    return query;
  });
}
