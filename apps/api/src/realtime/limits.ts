// Caps on concurrent realtime streams, per token and per company: past either, 429 with Retry-After.

export interface StreamLimitOptions {
  maxStreamsPerToken: number;
  maxStreamsPerCompany: number;
}

/** Defaults of REALTIME_MAX_STREAMS_PER_TOKEN and _PER_COMPANY (README, "Configuration"). */
export const DEFAULT_STREAM_LIMITS: StreamLimitOptions = {
  maxStreamsPerToken: 5,
  maxStreamsPerCompany: 100,
};

export class StreamLimits {
  readonly #byToken = new Map<string, number>();
  readonly #byCompany = new Map<string, number>();

  constructor(readonly options: StreamLimitOptions) {}

  /** Counts a new stream; returns its release function, or undefined when a cap is reached. */
  tryOpen(tokenKey: string, companyId: string): (() => void) | undefined {
    const company = companyId.toLowerCase();
    const tokens = this.#byToken.get(tokenKey) ?? 0;
    const companies = this.#byCompany.get(company) ?? 0;
    if (tokens >= this.options.maxStreamsPerToken) return undefined;
    if (companies >= this.options.maxStreamsPerCompany) return undefined;
    this.#byToken.set(tokenKey, tokens + 1);
    this.#byCompany.set(company, companies + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      decrement(this.#byToken, tokenKey);
      decrement(this.#byCompany, company);
    };
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const next = (counts.get(key) ?? 1) - 1;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}
