// HTTP load with wrk (Debian's, native: it costs the machine far less than a Node load generator):
// warm-up, several rounds, the median round reported, with the API's CPU time per request read
// from /proc so that a reader sees where the time goes.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface LoadFigures {
  rps: number;
  /** Latency percentiles in ms. */
  p50: number;
  p99: number;
  non2xx: number;
  completed: number;
  /** The API process's CPU time (user + system) per completed request, in µs. */
  cpuMicros: number;
  /** The PostgreSQL server processes' CPU time per completed request, in µs (0: not measured). */
  databaseCpuMicros: number;
}

/** What each request is: wrk builds it in Lua, from these parts, per request. */
export interface RequestShape {
  method?: "GET" | "POST";
  /** Paths to pick from at random. */
  paths: string[];
  headers?: Record<string, string>;
  /** A JSON body; `%n` is replaced by a per-request counter (so every rotation differs). */
  body?: string;
}

export interface LoadOptions {
  url: string;
  /** The API's process id, for CPU accounting. */
  pid: number;
  connections: number;
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  request: RequestShape;
  /** Whether the database is the local PostgreSQL server, whose processes' CPU is then measured. */
  serverDatabase?: boolean;
}

const lua = (value: string) => JSON.stringify(value);

/** The request's body: none, the same each time, or with `%n` replaced by the counter. */
function bodyLine(body: string | undefined, before = "", after: string | undefined = undefined) {
  if (body === undefined) return "return wrk.format(nil, path)";
  if (after === undefined) return `return wrk.format(nil, path, nil, ${lua(body)})`;
  return `return wrk.format(nil, path, nil, ${lua(before)} .. n .. ${lua(after)})`;
}

function script(shape: RequestShape): string {
  const headers = Object.entries(shape.headers ?? {})
    .map(([name, value]) => `wrk.headers[${lua(name)}] = ${lua(value)}`)
    .join("\n");
  const [before, after] = (shape.body ?? "").split("%n");
  return `wrk.method = ${lua(shape.method ?? "GET")}
${headers}
local paths = { ${shape.paths.map(lua).join(", ")} }
local n = 0
math.randomseed(os.time())
request = function()
  n = n + 1
  local path = paths[math.random(#paths)]
  ${bodyLine(shape.body, before, after)}
end
`;
}

/** utime + stime of a process, in µs (clock ticks of 10 ms on Linux). */
async function cpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** utime + stime of every PostgreSQL server process on this machine, in µs. */
async function databaseCpuMicros(): Promise<number> {
  let total = 0;
  for (const pid of (await readdir("/proc")).filter((name) => /^\d+$/.test(name))) {
    const comm = await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "");
    if (comm.trim() === "postgres") total += await cpuMicros(Number(pid)).catch(() => 0);
  }
  return total;
}

const ms = (value: string, unit: string) =>
  Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? Number.NaN);

async function round(options: LoadOptions, file: string, seconds: number): Promise<LoadFigures> {
  const before = await cpuMicros(options.pid);
  const databaseBefore = options.serverDatabase ? await databaseCpuMicros() : 0;
  const threads = String(Math.min(2, options.connections));
  const { stdout } = await run(
    "wrk",
    [
      "-t",
      threads,
      "-c",
      String(options.connections),
      "-d",
      `${seconds}s`,
      "--latency",
      "-s",
      file,
      options.url,
    ],
    { maxBuffer: 4 * 1024 * 1024 },
  );
  const used = (await cpuMicros(options.pid)) - before;
  const databaseUsed = options.serverDatabase ? (await databaseCpuMicros()) - databaseBefore : 0;
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, "m").exec(stdout);
    return match ? Math.round(ms(match[1] ?? "", match[2] ?? "") * 100) / 100 : Number.NaN;
  };
  const completed = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    stdout,
  );
  const errors = socketErrors ? socketErrors.slice(1).reduce((n, v) => n + Number(v), 0) : 0;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
    p50: percentile("50"),
    p99: percentile("99"),
    non2xx: non2xx + errors,
    completed,
    cpuMicros: completed > 0 ? Math.round(used / completed) : 0,
    databaseCpuMicros: completed > 0 ? Math.round(databaseUsed / completed) : 0,
  };
}

type Measured = LoadFigures & { rounds: number[] };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** The round with the median requests/s, with errors and requests summed over all rounds. */
function summarize(results: LoadFigures[]): Measured {
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

async function scriptFile(request: RequestShape): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "vibot-wrk-"));
  const file = join(dir, "request.lua");
  await writeFile(file, script(request));
  return file;
}

/** Warm-up, then `rounds` measured rounds; the round with the median requests/s is reported. */
export async function measure(options: LoadOptions): Promise<Measured> {
  const file = await scriptFile(options.request);
  if (options.warmupSeconds > 0) await round(options, file, options.warmupSeconds);
  const results: LoadFigures[] = [];
  for (let i = 0; i < options.rounds; i++)
    results.push(await round(options, file, options.seconds));
  return summarize(results);
}

/**
 * A state of the system under test, entered before its rounds and left after them; it may also
 * send its own request to its own server (both default to the measurement's).
 */
export interface Variant {
  enter?(): Promise<void>;
  leave?(): Promise<void>;
  target?: { url: string; pid: number };
  request?: RequestShape;
}

/**
 * Variants of one measurement in alternating rounds (A, B, …, A, B, …), each round after its own
 * warm-up, so that drift over the run (a growing table, autovacuum, the machine's other load)
 * falls on all alike; a ratio of two of them compares rounds of the same minutes. Each variant's
 * round with the median requests/s is reported, in the variants' order.
 */
export async function measureAlternating<V extends Variant[]>(
  options: LoadOptions,
  variants: [...V],
): Promise<{ [K in keyof V]: Measured }> {
  const files = await Promise.all(
    variants.map((variant) => scriptFile(variant.request ?? options.request)),
  );
  const results: LoadFigures[][] = variants.map(() => []);
  for (let i = 0; i < options.rounds; i++) {
    for (const [v, variant] of variants.entries()) {
      const file = files[v] ?? "";
      const target = { ...options, ...variant.target };
      await variant.enter?.();
      try {
        if (options.warmupSeconds > 0) await round(target, file, options.warmupSeconds);
        results[v]?.push(await round(target, file, options.seconds));
      } finally {
        await variant.leave?.();
      }
    }
  }
  return results.map(summarize) as { [K in keyof V]: Measured };
}

/** wrk from Debian, installed when missing (the benchmark needs root for that, as CI has). */
export async function ensureWrk(): Promise<void> {
  try {
    await run("wrk", ["--version"]).catch((error: { stdout?: string }) => {
      if (!error.stdout?.includes("wrk")) throw error;
    });
  } catch {
    await run("apt-get", ["install", "-y", "-qq", "wrk"], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  }
}
