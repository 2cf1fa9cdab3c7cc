// The postgres.js driver: a pool for the request door, with bounded waits and admission of writes,
// and a separate one-connection client for readiness so that a busy pool never blocks it.
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres, { type ReservedSql } from "postgres";
import {
  Admission,
  DatabaseUnavailableError,
  defaultTransactionLimits,
  KeyedQueue,
  READINESS_TIMEOUT_MS,
  unavailableFrom,
  withDeadline,
} from "./availability";
import {
  type ConnectOptions,
  type DatabaseHandle,
  type DoorQuery,
  type PipelinePart,
  readinessOf,
  requestQueries,
  sessionSettings,
  statementResults,
} from "./client";
import type { Rows } from "./commit-batch";
import { DEFAULT_READ_CONNECTIONS, DEFAULT_WRITE_CONNECTIONS, type LaneCall, lane } from "./lane";
import { migratorConfig, newestCommittedMigration } from "./migrations";
import { operationFailure } from "./operation";
import * as schema from "./schema";

export interface PostgresOptions extends ConnectOptions {
  /** Pool size for everything but the one-statement reads; postgres.js opens connections lazily. */
  max?: number;
  /** Connections of the read lane (lane.ts): the current and versioned reads share them. */
  readConnections?: number;
  /** Connections of the write lane (lane.ts): rotations and rollbacks share them. */
  writeConnections?: number;
  /** How long a request may wait for a pooled connection before it is answered 503. */
  acquireTimeoutMs?: number;
  /** Connections writes may hold at once; the rest of the pool stays free for reads. */
  maxWriters?: number;
}

/** Reconnect delay in seconds: short and jittered, capped at 2 s (the driver's own grows to 20 s). */
const backoff = (retries: number) => Math.min(0.05 * 2 ** retries, 2) * (0.5 + Math.random() / 2);

/** Opens a postgres.js pool on `url`. */
export function connectPostgres(url: string, options: PostgresOptions = {}): DatabaseHandle {
  const max = options.max ?? 20;
  const acquireTimeoutMs = options.acquireTimeoutMs ?? 2_000;
  const limits = options.limits ?? defaultTransactionLimits;
  // One statement does the work of a request; the others (BEGIN, claims, COMMIT) are instant.
  const responseDeadlineMs = limits.statementTimeoutMs + 1_000;
  const pool = (size: number, connectTimeoutSeconds = 5) =>
    postgres(url, {
      max: size,
      onnotice: () => {},
      // Keys and secrets travel as parameters; never let a driver error echo them back.
      debug: false,
      connect_timeout: connectTimeoutSeconds,
      backoff,
      connection: sessionSettings(options.limits),
    });
  const client = pool(max);
  // A read queued on a lane connection that is still connecting waits for it: no longer than a
  // request may wait for a connection (measured: a connection attempt, rarely, hung until the
  // driver's timeout while the machine was loaded, and every read queued on it with it).
  const laneConnectTimeout = Math.max(1, Math.ceil(acquireTimeoutMs / 1000));
  const readers = pool(options.readConnections ?? DEFAULT_READ_CONNECTIONS, laneConnectTimeout);
  const rotators = pool(options.writeConnections ?? DEFAULT_WRITE_CONNECTIONS, laneConnectTimeout);
  // Readiness has its own connection: a pool filled by waiting requests must not make it hang.
  const probe = postgres(url, {
    max: 1,
    onnotice: () => {},
    debug: false,
    connect_timeout: 1,
    idle_timeout: 30,
    backoff,
  });
  const writers = new Admission(options.maxWriters ?? Math.max(1, Math.floor(max / 2)));
  const connectors = new KeyedQueue();
  const db = drizzle({ client, schema, casing: "snake_case", logger: options.logger ?? false });
  let closing = false;

  /** A pooled connection by `deadline`; one that arrives later is handed straight back. */
  async function reserve(deadline: number) {
    const reservation = client.reserve();
    try {
      return await withDeadline(
        reservation,
        Math.max(0, deadline - Date.now()),
        () => new DatabaseUnavailableError("acquire_timeout"),
      );
    } catch (error) {
      reservation.then(
        (late) => late.release(),
        () => {},
      );
      throw unavailableFrom(error) ?? error;
    }
  }

  /**
   * Waits for the statements sent on a reserved connection and hands it back once every one has
   * settled: handed back with a statement still pending, it would make the next request queue
   * behind that statement. The server bounds each statement (statement_timeout); this bounds the
   * whole exchange, so that a request never waits on a connection that died without a word.
   * Resolves to each statement's rows, or rejects with the first failure.
   */
  async function exchange(connection: ReservedSql, sent: Promise<Rows>[]): Promise<Rows[]> {
    const all = Promise.allSettled(sent);
    void all.then(() => connection.release());
    const settled = await withDeadline(
      all,
      responseDeadlineMs,
      () => new DatabaseUnavailableError("unreachable"),
    );
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) throw failure.reason;
    return settled.map((r) => [...(r as PromiseFulfilledResult<Rows>).value]);
  }

  const reads = lane(readers, acquireTimeoutMs + limits.statementTimeoutMs, options);
  const rotations = lane(rotators, acquireTimeoutMs + limits.statementTimeoutMs, options);

  return {
    kind: "postgres",
    db,
    async listen(channel, onPayload, onListen) {
      // postgres.js listens again on a new connection after losing one, and says so each time.
      const subscription = await client.listen(channel, onPayload, onListen);
      return () => subscription.unlisten();
    },
    migrate: () => migrate(db, migratorConfig),
    async run(claims, operation, runOptions = {}) {
      if (closing) throw new DatabaseUnavailableError("shutting_down");
      if ("call" in operation.body && operation.role === "authenticated") {
        // A read in one statement needs no connection of its own: the read lane's next one.
        // Reads of the same moment go together in one statement (one commit when audited).
        try {
          const rows = await reads.run({
            claims: JSON.stringify(claims),
            operation: operation as LaneCall["operation"],
          });
          return operation.interpret([rows]);
        } catch (error) {
          const failure = operationFailure(operation, error);
          throw unavailableFrom(failure) ?? failure;
        }
      }
      const deadline = Date.now() + acquireTimeoutMs;
      const { signal } = runOptions;
      const writing = operation.role === "service_role";
      const releases: (() => void)[] = [];
      try {
        // Writes of one connector wait for each other in the process (so one statement of the
        // write lane never holds two of them, and a hot connector holds one pooled connection).
        if (writing && operation.queueKey)
          releases.push(await connectors.enter(operation.queueKey, deadline, signal));
        if (writing && operation.together && "call" in operation.body) {
          // A rotation needs no connection of its own either: the write lane's next one, with
          // the rotations of its moment in one statement (one commit).
          if (signal?.aborted) throw new DatabaseUnavailableError("acquire_timeout");
          const rows = await rotations.run({
            claims: JSON.stringify(claims),
            operation: operation as LaneCall["operation"],
          });
          // Its connector was locked elsewhere: it waits for the lock alone, on the pool.
          if (!operation.together.skipped?.(rows)) return operation.interpret([rows]);
        }
        const { context, statements } = requestQueries(claims, operation, options);
        if (writing) releases.push(await writers.enter(deadline, signal));
        // A client that went away before its write started gets nothing written.
        if (signal?.aborted) throw new DatabaseUnavailableError("acquire_timeout");
        // Writes take a connection by a deadline, so that none is sent after its request gave up.
        const connection = await reserve(deadline);
        // Issued without awaiting in between: postgres.js writes them together. Each carries its
        // own Sync, so a failing statement aborts the transaction and COMMIT then rolls it back.
        // A self-contained call is one statement in its own implicit transaction.
        const send = (q: DoorQuery) =>
          connection.unsafe<Rows>(q.sql, q.params as never[], { prepare: true });
        const pipeline: [PipelinePart, Promise<Rows>][] = context
          ? [
              ["begin", connection.unsafe<Rows>("begin")],
              ["context", send(context)],
              ...statements.map((q): [PipelinePart, Promise<Rows>] => ["statement", send(q)]),
              ["commit", connection.unsafe<Rows>("commit")],
            ]
          : statements.map((q): [PipelinePart, Promise<Rows>] => ["statement", send(q)]);
        const rows = await exchange(
          connection,
          pipeline.map(([, sent]) => sent),
        );
        return operation.interpret(
          statementResults(
            pipeline.map(([part]) => part),
            rows,
          ),
        );
      } catch (error) {
        const failure = operationFailure(operation, error);
        throw unavailableFrom(failure) ?? failure;
      } finally {
        for (const release of releases.reverse()) release();
      }
    },
    async readiness() {
      const check = async () => {
        try {
          // A function, because the API's login may read no table (sql/functions/credential_vault_schema_version.sql).
          const [row] = await probe<{ newest: string | null }[]>`
            select public.credential_vault_schema_version()::text as newest`;
          return readinessOf(
            row?.newest ? Number(row.newest) : undefined,
            newestCommittedMigration(),
          );
        } catch (error) {
          // No such function yet: reachable, not migrated.
          const code = (error as { code?: string }).code;
          if (code === "42883" || code === "3F000" || code === "42P01")
            return "migrations_missing" as const;
          throw error;
        }
      };
      return withDeadline(
        check(),
        READINESS_TIMEOUT_MS,
        () => new DatabaseUnavailableError("unreachable"),
      );
    },
    async close() {
      closing = true;
      await Promise.all([
        client.end({ timeout: 5 }),
        readers.end({ timeout: 5 }),
        rotators.end({ timeout: 5 }),
        probe.end({ timeout: 1 }),
      ]);
    },
  };
}
