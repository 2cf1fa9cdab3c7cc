// The load and the probes of the fault suite: the real server in a child process, readers and
// rotators against it (bounded in count and time, loopback only), and readiness polling.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const apiDir = fileURLToPath(new URL("../../../api/", import.meta.url));

export interface ApiProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  alive(): boolean;
}

/** Starts `src/main.ts` with `env` over this process's, resolving once it listens. */
export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: apiDir,
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (chunk) => {
    text += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    text += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /Listening on (http:\/\/[\d.:]+)/.exec(text);
      if (match?.[1]) {
        clearInterval(timer);
        resolve(match[1]);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`the API exited:\n${text}`));
      }
    }, 50);
  });
  return {
    child,
    url,
    output: () => text,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

export interface LoadTarget {
  url: string;
  token: string;
  connectors: string[];
}

export interface Acknowledged {
  connectorId: string;
  version: number;
  id: string;
}

export interface LoadReport {
  statuses: Record<number, number>;
  /** Rotations answered 201. */
  acked: Acknowledged[];
  /** Longest wait for a read of a connector other than `hot`. */
  slowestOtherReadMs: number;
  failures: string[];
}

/**
 * Readers and rotators for `ms` (even workers rotate, odd ones read; with `hot`, every rotation
 * goes to that connector and no read does).
 */
export async function load(
  target: LoadTarget,
  ms: number,
  options: { workers?: number; hot?: string } = {},
): Promise<LoadReport> {
  const report: LoadReport = { statuses: {}, acked: [], slowestOtherReadMs: 0, failures: [] };
  const until = Date.now() + ms;
  const headers = { authorization: `Bearer ${target.token}`, "content-type": "application/json" };
  const { connectors } = target;
  const worker = async (n: number) => {
    for (let i = 0; Date.now() < until && i < 2_000; i++) {
      const rotate = n % 2 === 0;
      const connectorId =
        options.hot && rotate ? options.hot : connectors[(n + i) % connectors.length];
      if (!connectorId || (!rotate && connectorId === options.hot)) continue;
      const started = Date.now();
      try {
        const response = await fetch(
          `${target.url}/v1/connectors/${connectorId}/credentials${rotate ? "" : "/current"}`,
          {
            method: rotate ? "POST" : "GET",
            headers,
            body: rotate ? JSON.stringify({ secret: { n, i } }) : undefined,
            signal: AbortSignal.timeout(10_000),
          },
        );
        const body = (await response.json()) as { id: string; version: number };
        report.statuses[response.status] = (report.statuses[response.status] ?? 0) + 1;
        if (response.status === 201)
          report.acked.push({ connectorId, version: body.version, id: body.id });
        if (!rotate && connectorId !== options.hot)
          report.slowestOtherReadMs = Math.max(report.slowestOtherReadMs, Date.now() - started);
        if (response.status === 503 && !response.headers.get("retry-after"))
          report.failures.push("503 without Retry-After");
      } catch (error) {
        // The process is checked separately; a refused socket here means it died.
        report.failures.push(String((error as Error).message));
      }
    }
  };
  await Promise.all(Array.from({ length: options.workers ?? 16 }, (_, n) => worker(n)));
  return report;
}

/** Polls /readyz every 100 ms while `work` runs; resolves to the slowest answer in ms. */
export async function watchReadiness<T>(
  url: string,
  work: Promise<T>,
): Promise<{ result: T; slowestMs: number }> {
  let slowest = 0;
  let done = false;
  const poller = (async () => {
    while (!done) {
      const started = Date.now();
      await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) }).catch(() => {});
      slowest = Math.max(slowest, Date.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const result = await work;
  done = true;
  await poller;
  return { result, slowestMs: slowest };
}

/** Whether /readyz answers 200 within `ms`. */
export async function readyWithin(url: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const response = await fetch(`${url}/readyz`).catch(() => undefined);
    if (response?.status === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}
