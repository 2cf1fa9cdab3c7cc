// createVaultClient: one typed method per route of the API (types generated from its OpenAPI
// document), errors as typed classes, safe retries, and `getCurrent` served from a cache that the
// change feed keeps fresh.
import createClient from "openapi-fetch";
import { CurrentCache } from "./cache.js";
import { CHANNEL, ChangeFeed, type Reminder } from "./changes.js";
import { errorFromResponse } from "./errors.js";
import type { paths } from "./generated/openapi.js";
import { identityOf } from "./identity.js";
import { defaultRetry, retryingFetch } from "./retry.js";
import type {
  AuditQuery,
  BatchReadResponse,
  Credential,
  DeleteOptions,
  Schemas,
  VaultClientOptions,
  WriteOptions,
} from "./types.js";

export type * from "./types.js";

/** The most connectors one batch-read request carries (the API's limit). */
const BATCH_READ_MAX = 100;

const newKey = () => globalThis.crypto.randomUUID();

export function createVaultClient(options: VaultClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const retry = { ...defaultRetry, ...options.retry };
  const logger = options.logger ?? console;
  const api = createClient<paths>({
    baseUrl,
    fetch: retryingFetch(fetchImpl, options.getToken, retry),
  });
  const followsFeed = options.realtime ?? true;
  const reminderListeners = new Set<(reminder: Reminder) => void>();
  const cache = new CurrentCache<Credential>({
    ttlMs: options.cacheTtlMs ?? 5 * 60_000,
    staleIfErrorMs: options.staleIfErrorMs ?? 0,
    followsFeed,
    warn: (message, fields) => logger.warn(`@vibot/client: ${message}`, fields),
  });
  const feed = followsFeed
    ? new ChangeFeed(
        `${baseUrl}/v1/realtime?channel=${encodeURIComponent(CHANNEL)}`,
        options.getToken,
        fetchImpl,
        {
          live: (identity) => cache.live(identity),
          down: () => cache.down(),
          changed: (connectorId) => cache.evict(connectorId),
          reminder: (reminder) => {
            for (const listener of reminderListeners) listener(reminder);
          },
        },
        { ...retry, baseDelayMs: 250 },
      )
    : undefined;

  /** The data of a success, or the typed error of anything else. */
  async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>) {
    const { data, error, response } = await call;
    if (!response.ok) throw errorFromResponse(response, error);
    return data as T;
  }

  const byConnector = (connectorId: string) => ({ params: { path: { connectorId } } });
  const byVersion = (connectorId: string, version: number) => ({
    params: { path: { connectorId, version: String(version) } },
  });
  const keyed = (write?: WriteOptions) => ({
    params: { header: { "idempotency-key": write?.idempotencyKey ?? newKey() } },
  });

  const fetchCurrent = (connectorId: string) =>
    ok(api.GET("/v1/connectors/{connectorId}/credentials/current", byConnector(connectorId)));
  const purging = (connectorId: string, version: number | undefined, remove?: DeleteOptions) => {
    const query = remove?.purge ? { purge: "true" as const } : {};
    return version === undefined
      ? ok(
          api.DELETE("/v1/connectors/{connectorId}/credentials", {
            params: { path: { connectorId }, query },
          }),
        )
      : ok(
          api.DELETE("/v1/connectors/{connectorId}/credentials/{version}", {
            params: { path: { connectorId, version: String(version) }, query },
          }),
        );
  };

  /** Every connector's current secret from the API, in batch-reads of at most 100 (each audited). */
  async function fetchMany(connectorIds: readonly string[]): Promise<BatchReadResponse> {
    const unique = [...new Set(connectorIds)];
    const answer: BatchReadResponse = { credentials: [], errors: [] };
    for (let i = 0; i < unique.length; i += BATCH_READ_MAX) {
      const connectorIdsChunk = unique.slice(i, i + BATCH_READ_MAX);
      const page = await ok(
        api.POST("/v1/credentials/batch-read", { body: { connectorIds: connectorIdsChunk } }),
      );
      answer.credentials.push(...page.credentials);
      answer.errors.push(...page.errors);
    }
    return answer;
  }

  /** After this client's own change, its cache does not wait for the stream to hear of it. */
  const evicting =
    (connectorId: string) =>
    <T>(result: T) => {
      cache.evict(connectorId);
      return result;
    };

  return {
    health: () => ok(api.GET("/healthz")),
    ready: () => ok(api.GET("/readyz")),
    listConnectors: async () => (await ok(api.GET("/v1/connectors"))).connectors,
    createConnector: (body: Schemas["CreateConnector"], write?: WriteOptions) =>
      ok(api.POST("/v1/connectors", { body, params: keyed(write).params })),
    listVersions: (connectorId: string) =>
      ok(api.GET("/v1/connectors/{connectorId}/credentials", byConnector(connectorId))),
    getVersion: (connectorId: string, version: number) =>
      ok(
        api.GET(
          "/v1/connectors/{connectorId}/credentials/{version}",
          byVersion(connectorId, version),
        ),
      ),
    /** The current secret, always from the API (one audited read). */
    fetchCurrent,
    /**
     * The current secret from memory when fresh (see the cache's rules), else from the API; one
     * request per connector at a time however many callers miss together.
     */
    async getCurrent(connectorId: string): Promise<Credential> {
      const identity = identityOf(await options.getToken());
      return cache.get(identity, connectorId, () => fetchCurrent(connectorId));
    },
    /** Every connector's current secret from the API, however many (batches of 100). */
    fetchMany,
    /**
     * Current secrets of many connectors: hits from memory (the same rules as `getCurrent`), the
     * misses in one batch-read per 100. Connectors that failed are in `errors`.
     */
    async getMany(connectorIds: readonly string[]): Promise<BatchReadResponse> {
      const identity = identityOf(await options.getToken());
      const unique = [...new Set(connectorIds)];
      const hits = unique.map((id) => ({ id, hit: cache.peek(identity, id) }));
      const misses = hits.filter((h) => !h.hit).map((h) => h.id);
      const startedAt = Date.now();
      const generations = new Map(misses.map((id) => [id, cache.generationOf(id)]));
      const fetched = misses.length ? await fetchMany(misses) : { credentials: [], errors: [] };
      for (const credential of fetched.credentials) {
        const generation = generations.get(credential.connectorId);
        if (generation)
          cache.offer(identity, credential.connectorId, credential, { generation, startedAt });
      }
      return {
        credentials: [...hits.flatMap((h) => (h.hit ? [h.hit] : [])), ...fetched.credentials],
        errors: fetched.errors,
      };
    },
    rotate: (connectorId: string, body: Schemas["RotateCredential"], write?: WriteOptions) =>
      ok(
        api.POST("/v1/connectors/{connectorId}/credentials", {
          body,
          params: { path: { connectorId }, ...keyed(write).params },
        }),
      ).then(evicting(connectorId)),
    rollback: (connectorId: string, body: Schemas["RollbackCredential"], write?: WriteOptions) =>
      ok(
        api.POST("/v1/connectors/{connectorId}/credentials/rollback", {
          body,
          params: { path: { connectorId }, ...keyed(write).params },
        }),
      ).then(evicting(connectorId)),
    /** Makes the pending version current; the current one becomes previous. */
    promote: (connectorId: string, body: Schemas["PromoteCredential"], write?: WriteOptions) =>
      ok(
        api.POST("/v1/connectors/{connectorId}/credentials/promote", {
          body,
          params: { path: { connectorId }, ...keyed(write).params },
        }),
      ).then(evicting(connectorId)),
    /** The pending (staged) secret, from the API. */
    getPending: (connectorId: string) =>
      ok(api.GET("/v1/connectors/{connectorId}/credentials/pending", byConnector(connectorId))),
    /** The secret current before the last change of current, from the API. */
    getPrevious: (connectorId: string) =>
      ok(api.GET("/v1/connectors/{connectorId}/credentials/previous", byConnector(connectorId))),
    /** Deletes one version: restorable for the recovery window, or destroyed with `purge`. */
    deleteVersion: (connectorId: string, version: number, remove?: DeleteOptions) =>
      purging(connectorId, version, remove).then(evicting(connectorId)),
    /** Deletes every version of the connector, likewise. */
    deleteAll: (connectorId: string, remove?: DeleteOptions) =>
      purging(connectorId, undefined, remove).then(evicting(connectorId)),
    /** Destroys one version at once (`deleteVersion` with `purge`). */
    destroyVersion: (connectorId: string, version: number) =>
      purging(connectorId, version, { purge: true }).then(evicting(connectorId)),
    /** Destroys every version at once (`deleteAll` with `purge`). */
    destroyAll: (connectorId: string) =>
      purging(connectorId, undefined, { purge: true }).then(evicting(connectorId)),
    /** Undoes a delete within the recovery window. */
    restore: (connectorId: string, version: number, write?: WriteOptions) =>
      ok(
        api.POST("/v1/connectors/{connectorId}/credentials/{version}/restore", {
          body: {},
          params: { path: { connectorId, version: String(version) }, ...keyed(write).params },
        }),
      ).then(evicting(connectorId)),
    /** The company's current versions that expire within `within` (e.g. `7d`) or already did. */
    listExpiring: async (within?: string) =>
      (
        await ok(
          api.GET("/v1/credentials/expiring", {
            params: { query: within === undefined ? {} : { within } },
          }),
        )
      ).credentials,
    /**
     * Calls `callback` with every expiry reminder the stream brings (needs `realtime`); returns
     * the function that stops it.
     */
    onReminder(callback: (reminder: Reminder) => void): () => void {
      if (!followsFeed) throw new Error("onReminder needs the realtime stream (realtime: true)");
      reminderListeners.add(callback);
      return () => reminderListeners.delete(callback);
    },
    listAudit: (query: AuditQuery = {}) => ok(api.GET("/v1/audit", { params: { query } })),
    /** Stops the change feed; pending requests finish. */
    async close() {
      feed?.close();
      await feed?.done;
    },
  };
}

export type VaultClient = ReturnType<typeof createVaultClient>;
