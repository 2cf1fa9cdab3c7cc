// Chains committed audit events a moment after they commit, in short batches, so that recording
// an event never waits on the chain (reads of one company do not queue behind each other). Every
// API process runs one; the database's advisory lock lets one work at a time, on one chain.
import type { Keyring } from "@vibot/crypto";
import { CHAIN_BATCH, chainEventsOperation, type DatabaseHandle } from "@vibot/db";
import type { Logger } from "../logger";
import { everyRound, type Rounds } from "../rounds";

export class AuditSequencer {
  #rounds: Rounds | undefined;
  #running: Promise<number> | undefined;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly keyring: Keyring,
    private readonly logger: Logger,
  ) {}

  /**
   * Chains every committed, unchained event now; resolves to how many it chained (none when
   * another sequencer holds the chain: that one chains them).
   */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const chained = await this.#once();
      if (chained < 0) return total;
      total += chained;
      if (chained < CHAIN_BATCH) return total;
    }
  }

  /** Runs every `intervalMs` until stopped; a failure (database down) is logged and retried. */
  start(intervalMs = 250): void {
    this.#rounds = everyRound(() => this.drain(), intervalMs, {
      logger: this.logger,
      event: "audit.sequencer_failed",
      message: "audit sequencer will retry",
    });
  }

  /** Stops the rounds and waits for a batch in progress. */
  async stop(): Promise<void> {
    await this.#rounds?.stop();
    await this.#running?.catch(() => 0);
  }

  #once(): Promise<number> {
    this.#running = this.database.run({}, chainEventsOperation(this.keyring));
    return this.#running;
  }
}
