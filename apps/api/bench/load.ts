// HTTP load with autocannon: warm-up, several rounds, the median round reported.
import autocannon from "autocannon";

export interface LoadFigures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  completed: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  /** Builds each request (method, path, headers, body). */
  request: () => {
    method?: "GET" | "POST";
    path: string;
    body?: string;
    headers?: Record<string, string>;
  };
}

async function round(options: LoadOptions, seconds: number): Promise<LoadFigures> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => {
          const next = options.request();
          return { ...request, ...next, headers: { ...request.headers, ...next.headers } };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    completed: result.requests.total,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** Warm-up, then `rounds` measured rounds; the round with the median requests/s is reported. */
export async function measure(options: LoadOptions): Promise<LoadFigures & { rounds: number[] }> {
  if (options.warmupSeconds > 0) await round(options, options.warmupSeconds);
  const results: LoadFigures[] = [];
  for (let i = 0; i < options.rounds; i++) results.push(await round(options, options.seconds));
  const middle = median(results.map((r) => r.rps));
  const chosen = results.find((r) => r.rps === middle) ?? results[0];
  if (!chosen) throw new Error("no rounds measured");
  return {
    ...chosen,
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    completed: results.reduce((n, r) => n + r.completed, 0),
    rounds: results.map((r) => Math.round(r.rps)),
  };
}
