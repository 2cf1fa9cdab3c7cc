// The read lane: a few connections of their own for the request door's one-statement reads, on
// which postgres.js pipelines them, with the reads of one moment sent together in one statement
// (see commit-batch.ts). Each connection is a server process competing for the database's cores,
// and one pipelined connection carries far more reads than one API process sends.
import type { Sql } from "postgres";
import { DatabaseUnavailableError, unavailableFrom, withDeadline } from "./availability";
import { type ConnectOptions, doorQuery } from "./client";
import { CommitBatcher, type DoorCall, type Rows } from "./commit-batch";
import type { BatchedRead } from "./operation";

/** The read lane's size unless configured (measured on a 2-core machine: see the README). */
export const DEFAULT_READ_CONNECTIONS = 4;

/** A read: its own statement (to run alone), and its part of a statement of several. */
export interface LaneRead {
  call: DoorCall;
  claims: string;
  /** Its part of a statement of several; without it, the read runs alone. */
  read?: BatchedRead;
}

type Batched = LaneRead & { read: BatchedRead };

/**
 * Runs reads on `readers` (the lane's postgres.js client). Waiting for a lane connection and
 * running a statement on it are bounded together by `deadlineMs` (the server bounds the
 * statement); past that the answer is 503, and a read that still runs later changes nothing.
 */
export function readLane(readers: Sql, deadlineMs: number, options: ConnectOptions) {
  const bounded = async (sent: Promise<Rows>) => [
    ...(await withDeadline(
      sent,
      deadlineMs,
      () => new DatabaseUnavailableError("acquire_timeout"),
    )),
  ];
  /** One read in its own implicit transaction, on the lane's next connection. */
  const alone = (read: LaneRead) =>
    bounded(readers.unsafe<Rows>(read.call.sql, read.call.params as never[], { prepare: true }));

  /** Several reads in one statement, its implicit transaction; each read's rows once committed. */
  async function together(reads: Batched[]): Promise<Rows[]> {
    const [first] = reads;
    if (!first || !reads.every((r) => r.read.key === first.read.key))
      return Promise.all(reads.map(alone));
    const { sql: text, params } = doorQuery(first.read.together(reads), options);
    const rows = await bounded(readers.unsafe<Rows>(text, params as never[], { prepare: true }));
    const answers: Rows[] = reads.map(() => []);
    for (const { ordinal, ...row } of rows) answers[Number(ordinal) - 1]?.push(row);
    return answers;
  }

  const batcher = new CommitBatcher<Batched>({
    together,
    alone,
    retryAlone: (error) => unavailableFrom(error) === undefined,
  });
  return {
    /** A read, sent with the others of its moment when it has its batched form. */
    run: (read: LaneRead) => (read.read ? batcher.run({ ...read, read: read.read }) : alone(read)),
  };
}
