// The lanes: a few connections of their own for the request door's one-statement calls, on which
// postgres.js pipelines them, with the calls of one moment sent together in one statement (see
// commit-batch.ts). Reads have one lane, rotations another. Each connection is a server process
// competing for the database's cores, and one pipelined connection carries far more calls than
// one API process sends.
import { type SQL, sql } from "drizzle-orm";
import type { Sql } from "postgres";
import { DatabaseUnavailableError, unavailableFrom, withDeadline } from "./availability";
import { type ConnectOptions, doorQuery } from "./client";
import { CommitBatcher, type Rows } from "./commit-batch";
import type { Operation } from "./operation";

/** The read lane's size unless configured (measured on a 2-core machine: see BENCHMARKS.md). */
export const DEFAULT_READ_CONNECTIONS = 4;

/** The write lane's size unless configured (measured on a 2-core machine: see BENCHMARKS.md). */
export const DEFAULT_WRITE_CONNECTIONS = 2;

/** A call on a lane: a one-statement operation (`body.call`) and its caller's claims as JSON. */
export interface LaneCall {
  claims: string;
  operation: Operation<unknown> & { body: { call: (claims: SQL) => SQL } };
}

/**
 * A lane on `connections` (its postgres.js client): `run(call)` resolves to the call's rows.
 * Waiting for a lane connection and running a statement on it are bounded together by
 * `deadlineMs` (the server bounds the statement); past that the answer is 503, and a call that
 * still runs later is one whose request has been answered unavailable.
 */
export function lane(connections: Sql, deadlineMs: number, options: ConnectOptions) {
  /**
   * The calls in one statement, its implicit transaction: one call's own statement, or the shared
   * statement that its batched form builds for all of them (calls of different shapes each go
   * alone). Rows carry `ordinal` when several share a statement.
   */
  async function send(calls: LaneCall[]): Promise<Rows[]> {
    const [first] = calls;
    const shared = first?.operation.together;
    if (!first) return [];
    if (calls.length > 1 && !calls.every((c) => c.operation.together?.key === shared?.key))
      return (await Promise.all(calls.map((c) => send([c])))).flat();
    // A call that its batched form may skip (a write whose connector is locked elsewhere) goes
    // in that form even alone: on the lane nothing waits for a lock.
    const alone = !shared || (calls.length === 1 && !shared.skipped);
    const statement = alone
      ? first.operation.body.call(sql`${first.claims}`)
      : shared.together(
          calls.map((c) => ({ claims: c.claims, call: c.operation.together ?? shared })),
        );
    const { sql: text, params } = doorQuery(statement, options);
    const rows = [
      ...(await withDeadline(
        connections.unsafe<Rows>(text, params as never[], { prepare: true }),
        deadlineMs,
        () => new DatabaseUnavailableError("acquire_timeout"),
      )),
    ];
    if (alone) return [rows];
    const answers: Rows[] = calls.map(() => []);
    for (const { ordinal, ...row } of rows) answers[Number(ordinal) - 1]?.push(row);
    return answers;
  }
  return new CommitBatcher<LaneCall>({
    send,
    retryAlone: (error) => unavailableFrom(error) === undefined,
  });
}
