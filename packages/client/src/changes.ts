// The client's one realtime stream: Server-Sent Events of the company's credential changes, read
// with fetch (so it can send the Authorization header, in Node 20 and in browsers alike). On every
// (re)connect it asks for a fresh token and sends Last-Event-ID, so the API replays what was
// missed; between attempts it backs off with jitter. It reports when it is live, when it went
// down, which connector changed, and expiry reminders.
import { createParser } from "eventsource-parser";
import { errorFromResponse } from "./errors.js";
import { identityOf } from "./identity.js";
import { backoffMs, type RetryOptions } from "./retry.js";

export const CHANNEL = "public:connector_credentials";

export interface ChangeHandlers {
  /** The stream is open for `identity` (company and sub): from now on its every change is seen. */
  live(identity: string): void;
  /** The stream closed or could not open: changes may be missed until it is live again. */
  down(error: unknown): void;
  /** A credential of `connectorId` was written, changed stage, deleted, restored or destroyed. */
  changed(connectorId: string): void;
  /** A version is about to expire, or expired (`event: REMINDER`). */
  reminder(reminder: Reminder): void;
}

/** An expiry reminder, as the stream sends it. */
export interface Reminder {
  type: "expiring" | "expired";
  connectorId: string;
  version: number;
  expiresAt: string;
}

type ChangePayload = { new?: { connectorId?: string }; old?: { connectorId?: string } };

export class ChangeFeed {
  readonly #abort = new AbortController();
  #lastEventId: string | undefined;
  readonly done: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly getToken: () => string | Promise<string>,
    private readonly fetchImpl: typeof fetch,
    private readonly handlers: ChangeHandlers,
    private readonly reconnect: RetryOptions,
  ) {
    this.done = this.#run();
  }

  close() {
    this.#abort.abort();
  }

  async #run() {
    const { signal } = this.#abort;
    for (let failures = 0; !signal.aborted; ) {
      try {
        await this.#follow(signal);
        failures = 0;
        this.handlers.down(new Error("the stream ended"));
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        this.handlers.down(error);
      }
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, backoffMs(Math.min(failures, 10), this.reconnect));
        signal.addEventListener("abort", () => resolve(clearTimeout(timer)), { once: true });
      });
    }
  }

  /** One connection: resolves when the server ends the stream (e.g. its token expired). */
  async #follow(signal: AbortSignal) {
    const token = await this.getToken();
    const headers: Record<string, string> = {
      accept: "text/event-stream",
      authorization: `Bearer ${token}`,
    };
    if (this.#lastEventId) headers["last-event-id"] = this.#lastEventId;
    const response = await this.fetchImpl(this.url, { headers, signal });
    if (!response.ok || !response.body) {
      const error = errorFromResponse(response, await response.json().catch(() => undefined));
      // An id the API no longer knows (its keyring changed): start afresh, caches are dropped.
      if (error.code === "bad_request") this.#lastEventId = undefined;
      throw error;
    }
    const identity = identityOf(token);
    this.handlers.live(identity);
    const parser = createParser({
      onEvent: (message) => {
        if (message.id) this.#lastEventId = message.id;
        // The server could not replay what was missed (too old, or pruned): drop every entry.
        if (message.event === "reset") return this.handlers.live(identity);
        if (message.event === "REMINDER")
          return this.handlers.reminder(JSON.parse(message.data) as Reminder);
        if (!["INSERT", "UPDATE", "DELETE"].includes(message.event ?? "")) return;
        const change = JSON.parse(message.data) as ChangePayload;
        const connectorId = change.new?.connectorId ?? change.old?.connectorId;
        if (connectorId) this.handlers.changed(connectorId);
      },
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(value);
    }
  }
}
