// One database listener per process, fanned out to every SSE subscriber of the company a change
// belongs to. Changes come from the audit ledger's feed (migration 0009), so event ids are ledger
// ids; payloads carry metadata only, never ciphertext, checksum or secret.
import { type Keyring, sealEventId } from "@vibot/crypto";
import { type CredentialVersion, type DatabaseHandle, isoOf, type LedgerChange } from "@vibot/db";
import type { Logger } from "../logger";

export const CHANNEL = "public:connector_credentials";
const NOTIFY_CHANNEL = "connector_credential_events";

/** The kind of change, as Supabase names it. */
type ChangeKind = "INSERT" | "UPDATE" | "DELETE";

const kinds: Record<LedgerChange["action"], ChangeKind> = {
  rotate: "INSERT",
  rollback: "INSERT",
  reencrypt: "UPDATE",
  destroy: "DELETE",
};

/** Supabase's postgres-changes payload shape; a side that does not exist is `{}`. */
export interface ChangeEvent {
  /**
   * SSE id: the ledger event's id, made opaque (sealEventId): it orders nothing a client can see
   * and reveals nothing of other companies' activity; Last-Event-ID turns it back.
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

/** A ledger change event in Supabase's postgres-changes shape. */
export function changeEventFromLedger(change: LedgerChange, keyring: Keyring): ChangeEvent {
  const eventType = kinds[change.action];
  const version: CredentialVersion = {
    id: change.credential_id,
    companyId: change.company_id,
    connectorId: change.connector_id,
    version: change.version,
    rotatedAt: isoOf(change.rotated_at ?? change.occurred_at),
    rotatedBy: change.rotated_by,
  };
  return {
    id: sealEventId(keyring, change.id),
    companyId: change.company_id,
    payload: {
      schema: "public",
      table: "connector_credentials",
      eventType,
      commitTimestamp: isoOf(change.occurred_at),
      new: eventType === "DELETE" ? {} : version,
      old: eventType === "INSERT" ? {} : version,
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
    let change: LedgerChange;
    try {
      change = JSON.parse(text);
    } catch {
      this.logger.warn({ event: "realtime.bad_payload" }, "unreadable change notification");
      return;
    }
    const subscribers = this.#subscribers.get(companyKey(change.company_id));
    if (!subscribers) return;
    const event = changeEventFromLedger(change, this.keyring);
    for (const subscriber of subscribers) subscriber(event);
  }
}
