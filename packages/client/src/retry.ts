// The client's fetch: a fresh token on every attempt, and retries with jittered exponential
// backoff on network errors, 503 and 429 (at least Retry-After) — only for requests that are
// safe to repeat: GET and HEAD, and writes that carry an Idempotency-Key.
import { VaultUnreachableError } from "./errors.js";

export interface RetryOptions {
  /** Attempts after the first; default 3. */
  retries: number;
  /** First backoff ceiling; default 100 ms, doubling per attempt. */
  baseDelayMs: number;
  /** Largest wait between attempts, Retry-After included; default 5 s. */
  maxDelayMs: number;
}

export const defaultRetry: RetryOptions = { retries: 3, baseDelayMs: 100, maxDelayMs: 5_000 };

export type FetchLike = (request: Request) => Promise<Response>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** "Full jitter": uniform in [0, min(max, base * 2^attempt)]. */
export const backoffMs = (attempt: number, options: RetryOptions) =>
  Math.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);

const repeatable = (request: Request) =>
  request.method === "GET" || request.method === "HEAD" || request.headers.has("idempotency-key");

export function retryingFetch(
  fetchImpl: (request: Request) => Promise<Response>,
  getToken: () => string | Promise<string>,
  options: RetryOptions,
): FetchLike {
  return async (request) => {
    const attempts = repeatable(request) ? options.retries + 1 : 1;
    for (let attempt = 0; ; attempt++) {
      const last = attempt + 1 >= attempts;
      const sent = last ? request : request.clone();
      sent.headers.set("authorization", `Bearer ${await getToken()}`);
      let response: Response;
      try {
        response = await fetchImpl(sent);
      } catch (error) {
        if (last)
          throw new VaultUnreachableError(`the vault is unreachable: ${error}`, { cause: error });
        await sleep(backoffMs(attempt, options));
        continue;
      }
      if (last || (response.status !== 503 && response.status !== 429)) return response;
      const retryAfterMs = Number(response.headers.get("retry-after")) * 1_000 || 0;
      await response.body?.cancel();
      await sleep(
        Math.min(options.maxDelayMs, Math.max(retryAfterMs, backoffMs(attempt, options))),
      );
    }
  };
}
