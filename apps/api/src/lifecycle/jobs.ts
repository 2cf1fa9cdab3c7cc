// The lifecycle jobs every API process runs (docs/ARCHITECTURE.md, "Version lifecycle"): the purge
// of deleted versions whose recovery window ended, and the expiry reminders. Each step is one
// database function under its own advisory lock, so one process works at a time whatever the
// number of processes, and each version is purged, and reminded of, exactly once. The clock is
// injectable: tests move it instead of waiting.
import {
  type DatabaseHandle,
  LIFECYCLE_BATCH,
  purgeDueOperation,
  remindDueOperation,
} from "@vibot/db";
import type { Logger } from "../logger";
import { everyRound, type Rounds } from "../rounds";

export interface LifecycleOptions {
  /** How long before a current version's expiry its `expiring` reminder goes out. */
  expiryWarningMs: number;
  /** The jobs' clock; the real one unless a test moves its own. */
  now?: () => Date;
}

/** What one run did: versions purged and reminders recorded. */
export interface LifecycleRun {
  purged: number;
  reminded: number;
}

export class LifecycleJobs {
  #rounds: Rounds | undefined;
  #running: Promise<LifecycleRun> | undefined;
  readonly #now: () => Date;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly options: LifecycleOptions,
    /** Told when a run recorded something, so that the change feed publishes it at once. */
    private readonly onChange: () => void,
    private readonly logger: Logger,
  ) {
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Purges and reminds until nothing is due at the clock's time (another process holding a lock
   * does that job instead); resolves to what this process did.
   */
  async run(): Promise<LifecycleRun> {
    this.#running = this.#drain();
    return this.#running;
  }

  async #drain(): Promise<LifecycleRun> {
    const at = this.#now();
    const done = { purged: 0, reminded: 0 };
    for (const [job, step] of [
      ["purged", () => purgeDueOperation(at)],
      ["reminded", () => remindDueOperation(at, this.options.expiryWarningMs)],
    ] as const) {
      for (;;) {
        const n = await this.database.run({}, step());
        if (n > 0) done[job] += n;
        if (n < LIFECYCLE_BATCH) break;
      }
    }
    if (done.purged + done.reminded > 0) this.onChange();
    return done;
  }

  /** Runs every `intervalMs` until stopped; a failure (database down) is logged and retried. */
  start(intervalMs = 15_000): void {
    this.#rounds = everyRound(() => this.run(), intervalMs, {
      logger: this.logger,
      event: "lifecycle.jobs_failed",
      message: "lifecycle jobs will retry",
    });
  }

  /** Stops the rounds and waits for a run in progress. */
  async stop(): Promise<void> {
    await this.#rounds?.stop();
    await this.#running?.catch(() => undefined);
  }
}
