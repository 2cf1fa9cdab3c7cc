// One database listener per process, fanned out to every SSE subscriber of the company a change
// belongs to. The stream publishes change events in chain order: ids are chain positions, so a
// replay after one (Last-Event-ID) is exactly what followed it, whatever order their transactions
// committed in. No writer notifies (docs/ARCHITECTURE.md, "The change feed"): while it has
// subscribers, the hub chains its own process's changes as soon as they commit (`wake`), polls
// the chain at most POLL_MS apart for changes made by other processes or sibling apps, and
// listens to the sequencer's announcements to publish what any process chained. Payloads carry
// metadata only, never ciphertext, checksum or secret.
import type { Keyring } from "@vibot/crypto";
import {
  CHAIN_BATCH,
  CHANGE_FEED_CHANNEL,
  chainEventsOperation,
  chainedChangesOperation,
  chainHeadOperation,
  type DatabaseHandle,
  type LedgerChange,
} from "@vibot/db";
import type { Logger } from "../logger";
import { type ChangeEvent, changeEventFromLedger } from "./change-event";

/** A committed change is chained this long after its notification, with those that follow it. */
const CHAIN_DELAY_MS = 2;
/**
 * When another sequencer held the chain, it may have read its batch before our change committed
 * (and then announce nothing new): try again this much later.
 */
const CHAIN_RETRY_MS = 5;
/**
 * While streams are open, the chain is tried this often: a change committed by another process,
 * an operator command or a sibling app reaches the stream within about this much (plus the
 * chaining itself). One cheap statement per tick; none without subscribers.
 */
const POLL_MS = 100;
/** Changes read per statement when publishing. */
const PAGE = 1000;
/** After a failed publication (database unavailable), publish again this much later. */
const PUBLISH_RETRY_MS = 1_000;

export type Subscriber = (event: ChangeEvent) => void;

/** Company ids are uuids: compared case-insensitively, so keyed in lower case. */
const companyKey = (companyId: string) => companyId.toLowerCase();

export class RealtimeHub {
  readonly #subscribers = new Map<string, Set<Subscriber>>();
  readonly #closers = new Set<() => void>();
  #listening: Promise<unknown> | undefined;
  #closed = false;
  /** The last chain position published. */
  #published = 0n;
  #publishing: Promise<void> | undefined;
  #publishAgain = false;
  #chainTimer: NodeJS.Timeout | undefined;
  #chaining = false;
  #poll: NodeJS.Timeout | undefined;
  /** A change committed that no chaining step has run after yet. */
  #unchained = false;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly keyring: Keyring,
    private readonly logger: Logger,
  ) {}

  /** Subscribers currently attached, over all companies. */
  get size(): number {
    let n = 0;
    for (const set of this.#subscribers.values()) n += set.size;
    return n;
  }

  /**
   * Ends every stream (shutdown): each subscriber's `onClose` runs once and no new subscriber is
   * attached after this.
   */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#chainTimer);
    clearInterval(this.#poll);
    for (const onClose of [...this.#closers]) onClose();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Attaches a subscriber for one company once the listener runs; resolves to its detach function.
   * It gets every change chained after it was attached, in chain order. `onClose` runs if the hub
   * closes first.
   */
  async subscribe(
    companyId: string,
    subscriber: Subscriber,
    onClose: () => void = () => {},
  ): Promise<() => void> {
    if (this.#closed) throw new Error("the realtime hub is closed");
    // A failed LISTEN (database down) is retried by the next subscriber rather than cached.
    this.#listening ??= this.#listen().catch((error: unknown) => {
      this.#listening = undefined;
      throw error;
    });
    await this.#listening;
    const key = companyKey(companyId);
    let set = this.#subscribers.get(key);
    if (!set) {
      set = new Set();
      this.#subscribers.set(key, set);
    }
    set.add(subscriber);
    this.#closers.add(onClose);
    // What committed while nobody listened may still wait for the sequencer's round: chain it now.
    this.#chainSoon();
    this.#poll ??= setInterval(() => this.#chainSoon(), POLL_MS).unref();
    return () => {
      this.#closers.delete(onClose);
      set.delete(subscriber);
      if (set.size === 0 && this.#subscribers.get(key) === set) this.#subscribers.delete(key);
      if (this.size === 0) {
        clearInterval(this.#poll);
        this.#poll = undefined;
      }
    };
  }

  /** A change committed in this process: chain it (and so publish it) within milliseconds. */
  wake(): void {
    this.#chainSoon();
  }

  async #listen(): Promise<void> {
    // Announcements first, then the head: a batch chained in between is published, not skipped.
    // After a lost connection, what was announced meanwhile is found by publishing again.
    await this.database.listen(
      CHANGE_FEED_CHANNEL,
      () => this.#publish(),
      () => this.#publish(),
    );
    this.#published = BigInt(await this.database.run({}, chainHeadOperation(this.keyring)));
  }

  /** Chains the committed changes soon, with those that commit in the next few milliseconds. */
  #chainSoon(delayMs = CHAIN_DELAY_MS): void {
    // Nobody to tell: the audit sequencer chains it on its own round.
    if (this.size === 0) return;
    this.#unchained = true;
    if (this.#chainTimer || this.#chaining || this.#closed) return;
    this.#chainTimer = setTimeout(() => {
      this.#chainTimer = undefined;
      void this.#chain();
    }, delayMs);
  }

  async #chain(): Promise<void> {
    this.#chaining = true;
    let busy = false;
    try {
      while (this.#unchained && !this.#closed) {
        this.#unchained = false;
        const chained = await this.database.run({}, chainEventsOperation(this.keyring));
        if (chained < 0) {
          busy = true;
          break;
        }
        if (chained === CHAIN_BATCH) this.#unchained = true;
      }
    } catch (error) {
      this.logger.warn(
        { event: "realtime.chain_failed", errorName: (error as Error)?.name },
        "the audit sequencer will chain the change",
      );
    } finally {
      this.#chaining = false;
      if (busy) this.#chainSoon(CHAIN_RETRY_MS);
    }
  }

  /** Publishes every change chained since the last one published, in chain order. */
  #publish(): void {
    if (this.#publishing) {
      this.#publishAgain = true;
      return;
    }
    this.#publishing = (async () => {
      do {
        this.#publishAgain = false;
        if (this.size === 0) {
          // Nobody to tell: skip to the head, so that a later subscriber gets only what follows.
          const head = BigInt(await this.database.run({}, chainHeadOperation(this.keyring)));
          if (head > this.#published) this.#published = head;
          continue;
        }
        for (;;) {
          const changes = await this.database.run(
            {},
            chainedChangesOperation(this.#published.toString(), PAGE),
          );
          for (const change of changes) this.#dispatch(change);
          if (changes.length < PAGE) break;
        }
      } while (this.#publishAgain && !this.#closed);
    })()
      .catch((error: unknown) => {
        this.logger.warn(
          { event: "realtime.publish_failed", errorName: (error as Error)?.name },
          "publishing again shortly",
        );
        // Nothing may announce these changes again: try on our own.
        setTimeout(() => {
          if (!this.#closed) this.#publish();
        }, PUBLISH_RETRY_MS).unref();
      })
      .finally(() => {
        this.#publishing = undefined;
      });
  }

  #dispatch(change: LedgerChange): void {
    const position = BigInt(change.chain_seq);
    if (position <= this.#published) return;
    this.#published = position;
    const subscribers = this.#subscribers.get(companyKey(change.company_id));
    if (!subscribers) return;
    const event = changeEventFromLedger(change, this.keyring);
    for (const subscriber of subscribers) subscriber(event);
  }
}
