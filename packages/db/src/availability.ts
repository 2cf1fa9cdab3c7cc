// Staying up when the database is not: bounded waits, admission of writes, and the one error that
// means "try again shortly" (the API answers it with 503 and Retry-After).
import { databaseErrorOf } from "./database-error";

/** Why a request could not be served by the database right now. */
export type UnavailableReason =
  | "unreachable"
  | "acquire_timeout"
  | "lock_timeout"
  | "statement_timeout"
  | "shutting_down";

export class DatabaseUnavailableError extends Error {
  override readonly name = "DatabaseUnavailableError";
  constructor(
    readonly reason: UnavailableReason,
    /** Seconds after which a retry is reasonable (the API's Retry-After). */
    readonly retryAfterSeconds = 1,
  ) {
    super(`the database is unavailable (${reason})`);
  }
}

/** Limits applied to every request transaction. */
export interface TransactionLimits {
  /** `lock_timeout`: how long a statement waits for a row or table lock. */
  lockTimeoutMs: number;
  /** `statement_timeout`: how long one statement may run. */
  statementTimeoutMs: number;
}

/**
 * /readyz answers within a second: the database gets half of it, the rest is HTTP and a busy
 * process's event loop. With 900 ms for the database, an answer during a database restart under
 * load took 1,014 ms once in a CI run of faults.test.ts (and 1,117 ms beside other suites).
 */
export const READINESS_TIMEOUT_MS = 500;

export const defaultTransactionLimits: TransactionLimits = {
  lockTimeoutMs: 2_000,
  statementTimeoutMs: 5_000,
};

/** SQLSTATE classes and driver codes that mean the database (or this connection) went away. */
const UNREACHABLE =
  /^(08\w{3}|57P0[1-3]|53300|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|CONNECT_TIMEOUT|CONNECTION_(CLOSED|ENDED|DESTROYED))$/;

/** The database error behind an error, as a DatabaseUnavailableError when it is one. */
export function unavailableFrom(error: unknown): DatabaseUnavailableError | undefined {
  if (error instanceof DatabaseUnavailableError) return error;
  const { code } = databaseErrorOf(error);
  if (code === "55P03") return new DatabaseUnavailableError("lock_timeout");
  if (code === "57014") return new DatabaseUnavailableError("statement_timeout");
  if (code && UNREACHABLE.test(code)) return new DatabaseUnavailableError("unreachable", 2);
  if (error instanceof Error && error.message.includes("PGlite is closed"))
    return new DatabaseUnavailableError("unreachable", 2);
  return undefined;
}

/** Rejects with `onTimeout()` unless `promise` settles within `ms`. */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * A counting semaphore whose waiters give up at a deadline or when their request is aborted, so
 * a queue in front of a scarce resource (pool connections, one connector's lock) stays bounded.
 */
export class Admission {
  #active = 0;
  readonly #waiting = new Set<() => void>();

  constructor(readonly capacity: number) {}

  get idle(): boolean {
    return this.#active === 0 && this.#waiting.size === 0;
  }

  /** Resolves to a release function once admitted; rejects at `deadline` (epoch ms) or on abort. */
  enter(deadline: number, signal?: AbortSignal): Promise<() => void> {
    if (this.#active < this.capacity && this.#waiting.size === 0)
      return Promise.resolve(this.#admit());
    return new Promise((resolve, reject) => {
      const give = () => {
        cleanup();
        resolve(this.#admit());
      };
      const fail = (error: Error) => {
        cleanup();
        reject(error);
      };
      const onAbort = () => fail(new DatabaseUnavailableError("acquire_timeout"));
      const timer = setTimeout(
        () => fail(new DatabaseUnavailableError("acquire_timeout")),
        Math.max(0, deadline - Date.now()),
      );
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#waiting.delete(give);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.add(give);
    });
  }

  #admit(): () => void {
    this.#active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      const [next] = this.#waiting;
      if (next && this.#active < this.capacity) next();
    };
  }
}

/** One Admission of capacity 1 per key (a connector), dropped when idle. */
export class KeyedQueue {
  readonly #queues = new Map<string, Admission>();

  async enter(key: string, deadline: number, signal?: AbortSignal): Promise<() => void> {
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = new Admission(1);
      this.#queues.set(key, queue);
    }
    const admitted = queue;
    let release: () => void;
    try {
      release = await admitted.enter(deadline, signal);
    } catch (error) {
      if (admitted.idle) this.#queues.delete(key);
      throw error;
    }
    return () => {
      release();
      if (admitted.idle && this.#queues.get(key) === admitted) this.#queues.delete(key);
    };
  }
}
