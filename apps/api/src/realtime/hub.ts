// One database listener per process, fanned out to every SSE subscriber of the company a change
// belongs to. Payloads carry metadata only; the trigger never puts ciphertext or checksum in them.
import { randomBytes } from "node:crypto";
import {
  type CredentialVersion,
  type CredentialVersionJson,
  credentialVersionFromJson,
  type DatabaseHandle,
} from "@vibot/db";
import type { Logger } from "../logger";

export const CHANNEL = "public:connector_credentials";
const NOTIFY_CHANNEL = "connector_credentials";

/** The kind of change, as Supabase names it. */
type ChangeKind = "INSERT" | "UPDATE" | "DELETE";

/** Supabase's postgres-changes payload shape; a side that does not exist is `{}`. */
export interface ChangeEvent {
  /**
   * SSE id: `<change epoch ms>-<random>`. The time is the event's own; the random part says
   * nothing about any other company's activity. Last-Event-ID replay reads the time.
   */
  id: string;
  companyId: string;
  payload: {
    schema: "public";
    table: "connector_credentials";
    eventType: ChangeKind;
    commitTimestamp: string;
    new: CredentialVersion | Record<string, never>;
    old: CredentialVersion | Record<string, never>;
  };
}

/** A side of the notification, or undefined when that side does not exist (`{}`). */
const side = (raw: Partial<CredentialVersionJson>) =>
  raw.id === undefined ? undefined : credentialVersionFromJson(raw as CredentialVersionJson);

/** A change event in Supabase's postgres-changes shape. */
export function changeEvent(
  id: string,
  companyId: string,
  eventType: ChangeKind,
  /** When the row changed (Supabase calls the field commitTimestamp). */
  changedAt: Date,
  sides: { new?: CredentialVersion; old?: CredentialVersion },
): ChangeEvent {
  return {
    id,
    companyId,
    payload: {
      schema: "public",
      table: "connector_credentials",
      eventType,
      commitTimestamp: changedAt.toISOString(),
      new: sides.new ?? {},
      old: sides.old ?? {},
    },
  };
}

export type Subscriber = (event: ChangeEvent) => void;

/** Company ids are uuids: compared case-insensitively, so keyed in lower case. */
const companyKey = (companyId: string) => companyId.toLowerCase();

export class RealtimeHub {
  readonly #subscribers = new Map<string, Set<Subscriber>>();
  readonly #closers = new Set<() => void>();
  #listening: Promise<unknown> | undefined;
  #closed = false;

  constructor(
    private readonly database: DatabaseHandle,
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
    for (const onClose of [...this.#closers]) onClose();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Attaches a subscriber for one company once the listener runs; resolves to its detach function.
   * `onClose` runs if the hub closes first.
   */
  async subscribe(
    companyId: string,
    subscriber: Subscriber,
    onClose: () => void = () => {},
  ): Promise<() => void> {
    if (this.#closed) throw new Error("the realtime hub is closed");
    // A failed LISTEN (database down) is retried by the next subscriber rather than cached.
    this.#listening ??= this.database
      .listen(NOTIFY_CHANNEL, (payload) => this.#dispatch(payload))
      .catch((error: unknown) => {
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
    return () => {
      this.#closers.delete(onClose);
      set.delete(subscriber);
      if (set.size === 0 && this.#subscribers.get(key) === set) this.#subscribers.delete(key);
    };
  }

  #dispatch(text: string): void {
    let raw: {
      op: ChangeKind;
      company_id: string;
      /** clock_timestamp() when the row changed: inside its transaction, just before the commit. */
      at: string;
      new: CredentialVersionJson;
      old: CredentialVersionJson;
    };
    try {
      raw = JSON.parse(text);
    } catch {
      this.logger.warn({ event: "realtime.bad_payload" }, "unreadable change notification");
      return;
    }
    const subscribers = this.#subscribers.get(companyKey(raw.company_id));
    if (!subscribers) return;
    const changedAt = new Date(raw.at);
    const event = changeEvent(
      `${changedAt.getTime()}-${randomBytes(6).toString("hex")}`,
      raw.company_id,
      raw.op,
      changedAt,
      { new: side(raw.new), old: side(raw.old) },
    );
    for (const subscriber of subscribers) subscriber(event);
  }
}
