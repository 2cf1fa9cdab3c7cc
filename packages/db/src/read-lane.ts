// The read lane: a few connections of their own for the request door's one-statement reads, on
// which postgres.js pipelines them, with the reads of one moment sent together in one statement
// (see commit-batch.ts). Each connection is a server process competing for the database's cores,
// and one pipelined connection carries far more reads than one API process sends.
import { type SQL, sql } from "drizzle-orm";
import type { Sql } from "postgres";
import { DatabaseUnavailableError, unavailableFrom, withDeadline } from "./availability";
import { type ConnectOptions, doorQuery } from "./client";
import { CommitBatcher, type Rows } from "./commit-batch";
import type { Operation } from "./operation";

/** The read lane's size unless configured (measured on a 2-core machine: see BENCHMARKS.md). */
export const DEFAULT_READ_CONNECTIONS = 4;

/** A read on the lane: a one-statement operation (`body.call`) and its caller's claims as JSON. */
export interface LaneRead {
  claims: string;
  operation: Operation<unknown> & { body: { call: (claims: SQL) => SQL } };
}

/**
 * The lane on `readers` (its postgres.js client): `run(read)` resolves to the read's rows. Waiting
 * for a lane connection and running a statement on it are bounded together by `deadlineMs` (the
 * server bounds the statement); past that the answer is 503, and a read that still runs later
 * changes nothing.
 */
export function readLane(readers: Sql, deadlineMs: number, options: ConnectOptions) {
  /**
   * The reads in one statement, its implicit transaction: one read's own call, or the shared
   * statement that its batched form builds for all of them (reads of different shapes each go
   * alone). Rows carry `ordinal` when several share a statement.
   */
  async function send(reads: LaneRead[]): Promise<Rows[]> {
    const [first] = reads;
    const shared = first?.operation.together;
    if (!first) return [];
    if (reads.length > 1 && !reads.every((r) => r.operation.together?.key === shared?.key))
      return (await Promise.all(reads.map((r) => send([r])))).flat();
    const statement =
      reads.length === 1 || !shared
        ? first.operation.body.call(sql`${first.claims}`)
        : shared.together(
            reads.map((r) => ({ claims: r.claims, read: r.operation.together ?? shared })),
          );
    const { sql: text, params } = doorQuery(statement, options);
    const rows = [
      ...(await withDeadline(
        readers.unsafe<Rows>(text, params as never[], { prepare: true }),
        deadlineMs,
        () => new DatabaseUnavailableError("acquire_timeout"),
      )),
    ];
    if (reads.length === 1) return [rows];
    const answers: Rows[] = reads.map(() => []);
    for (const { ordinal, ...row } of rows) answers[Number(ordinal) - 1]?.push(row);
    return answers;
  }
  return new CommitBatcher<LaneRead>({
    send,
    retryAlone: (error) => unavailableFrom(error) === undefined,
  });
}
