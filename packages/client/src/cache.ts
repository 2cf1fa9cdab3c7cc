// The cache of current secrets behind `getCurrent`: keyed by the caller's identity and connector,
// trusted only while the change feed of that same identity is live (or, without a feed, for its
// TTL) — an identity the feed does not follow is not cached at all — evicted by the feed, refreshed by one request per key at a time, and served stale on an outage within
// `staleIfErrorMs` of the moment it stopped being known fresh.
import { isUnavailable } from "./errors.js";

export interface CacheOptions {
  /** Backstop lifetime of an entry; default 5 minutes. */
  ttlMs: number;
  /** How long past that moment a value may still be served while the API cannot answer. */
  staleIfErrorMs: number;
  /** Whether a change feed keeps entries fresh (else only the TTL does). */
  followsFeed: boolean;
  warn(message: string, fields: Record<string, unknown>): void;
}

interface Entry<T> {
  value: T;
  /** When the request that fetched it started. */
  fetchedAt: number;
}

export class CurrentCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #inflight = new Map<string, Promise<T>>();
  /** Evictions per connector, so that a fetch that raced a change does not store a stale value. */
  readonly #evictions = new Map<string, number>();
  /** Times the feed came live; a fetch that started before does not store its value either. */
  #epoch = 0;
  /** Since when the feed is down (undefined while live); entries are not trusted meanwhile. */
  #downSince: number | undefined;
  /** Whose changes the live feed carries (company and sub); only their entries are kept. */
  #feedIdentity: string | undefined;

  constructor(private readonly options: CacheOptions) {
    this.#downSince = options.followsFeed ? Date.now() : undefined;
  }

  /** The value for `identity`'s `connectorId`, from memory when fresh, else from `fetch`. */
  get(identity: string, connectorId: string, fetch: () => Promise<T>): Promise<T> {
    const key = `${identity}\n${connectorId}`;
    const fresh = this.peek(identity, connectorId);
    if (fresh !== undefined) return Promise.resolve(fresh);
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#refresh(key, connectorId, fetch, this.#follows(identity)).finally(() =>
        this.#inflight.delete(key),
      );
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  /** The value for `identity`'s `connectorId` when fresh in memory; nothing is fetched. */
  peek(identity: string, connectorId: string): T | undefined {
    const entry = this.#entries.get(`${identity}\n${connectorId}`);
    const trusted = this.#downSince === undefined && this.#follows(identity);
    return entry && trusted && Date.now() - entry.fetchedAt < this.options.ttlMs
      ? entry.value
      : undefined;
  }

  /**
   * A value fetched elsewhere (a batch-read that started at `startedAt`), kept under the same
   * rules as a refresh: only for a followed identity, and not when a change was seen meanwhile.
   */
  offer(
    identity: string,
    connectorId: string,
    value: T,
    fetch: { generation: string; startedAt: number },
  ): void {
    if (this.#follows(identity) && fetch.generation === this.#generation(connectorId))
      this.#entries.set(`${identity}\n${connectorId}`, { value, fetchedAt: fetch.startedAt });
  }

  /** What a fetch must still match when it ends, for its value to be kept (see `offer`). */
  generationOf(connectorId: string): string {
    return this.#generation(connectorId);
  }

  /** Whether changes of `identity`'s entries reach this cache (always, without a feed). */
  #follows(identity: string) {
    return !this.options.followsFeed || identity === this.#feedIdentity;
  }

  async #refresh(
    key: string,
    connectorId: string,
    fetch: () => Promise<T>,
    keep: boolean,
  ): Promise<T> {
    const started = Date.now();
    const generation = this.#generation(connectorId);
    try {
      const value = await fetch();
      if (keep && generation === this.#generation(connectorId))
        this.#entries.set(key, { value, fetchedAt: started });
      return value;
    } catch (error) {
      const entry = this.#entries.get(key);
      if (!entry || !isUnavailable(error)) {
        this.#entries.delete(key);
        throw error;
      }
      const staleMs = Date.now() - this.#staleSince(entry);
      if (staleMs > this.options.staleIfErrorMs) throw error;
      this.options.warn("serving a cached secret: the vault is unavailable", {
        connectorId,
        staleMs,
        error: String(error),
      });
      return entry.value;
    }
  }

  #generation = (connectorId: string) => `${this.#epoch}/${this.#evictions.get(connectorId) ?? 0}`;

  /** When an entry stopped being known fresh: its TTL ran out, or the feed went down. */
  #staleSince(entry: Entry<T>) {
    const expires = entry.fetchedAt + this.options.ttlMs;
    return Math.max(entry.fetchedAt, Math.min(expires, this.#downSince ?? expires));
  }

  /** A change of `connectorId` was seen: no identity's entry of it is served again. */
  evict(connectorId: string) {
    this.#evictions.set(connectorId, (this.#evictions.get(connectorId) ?? 0) + 1);
    for (const key of this.#entries.keys())
      if (key.endsWith(`\n${connectorId}`)) this.#entries.delete(key);
  }

  /**
   * The feed is live again, carrying `identity`'s changes: what was cached before may have missed
   * changes, so it goes.
   */
  live(identity: string) {
    this.#downSince = undefined;
    this.#feedIdentity = identity;
    this.#epoch++;
    this.#entries.clear();
  }

  down() {
    this.#downSince ??= Date.now();
  }
}
