// Reads of the same moment go together. Reads that arrive in the same turn of the event loop share
// one statement (on PostgreSQL: vault_read_credentials leaves each read's context before the next enters
// its own, so each runs under its own claims) and so one message, and, when they record audit
// events, one durable commit: a read that records its event is a write whose commit waits for a
// WAL flush, and one flush covers them all. Nobody is answered before the batch has committed.
// When the batch fails on a statement's error, each read runs again on its own and gets its own
// outcome, never a neighbour's; when the database is unavailable, every read of the batch gets
// that answer.

/** One statement of the request door, as sent. */
export interface DoorCall {
  sql: string;
  params: unknown[];
}

export type Rows = Record<string, unknown>[];

/** The most reads one statement runs together. */
export const MAX_READ_BATCH = 32;

interface Pending<T> {
  item: T;
  resolve: (rows: Rows) => void;
  reject: (error: unknown) => void;
}

export interface CommitBatcherOptions<T> {
  /**
   * Runs the reads in one statement, its implicit transaction (one read: its own statement);
   * resolves to each one's rows, in order, once it has committed.
   */
  send(items: T[]): Promise<Rows[]>;
  /** Whether a failed batch's reads should each run again alone (not when the database is down). */
  retryAlone(error: unknown): boolean;
  maxBatch?: number;
}

export class CommitBatcher<T> {
  #pending: Pending<T>[] = [];
  #scheduled = false;

  constructor(private readonly options: CommitBatcherOptions<T>) {}

  run(item: T): Promise<Rows> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const { send, retryAlone, maxBatch = MAX_READ_BATCH } = this.options;
    const answer = (batch: Pending<T>[]) =>
      send(batch.map((p) => p.item)).then(
        (results) => {
          for (const [i, p] of batch.entries()) p.resolve(results[i] ?? []);
        },
        (error: unknown) => {
          // A batch of several that failed on a statement's error: each read again on its own.
          if (batch.length > 1 && retryAlone(error)) for (const p of batch) answer([p]);
          else for (const p of batch) p.reject(error);
        },
      );
    while (this.#pending.length > 0) answer(this.#pending.splice(0, maxBatch));
  }
}
