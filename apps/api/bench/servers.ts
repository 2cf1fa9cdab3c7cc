// Starts the bench server in a child process and samples its resident memory.
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { ADMIN_ROLE } from "@vibot/db";
import { SignJWT } from "jose";
import { ADMIN, COMPANY } from "./seed";

const apiDir = fileURLToPath(new URL("..", import.meta.url));

export interface BenchServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startServer(
  env: Record<string, string | undefined>,
  args: string[] = [],
): Promise<BenchServer> {
  // BENCH_NODE_ARGS passes flags to the server's node, e.g. "--cpu-prof" for a profiling run.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, "--import", "tsx", "bench/server.ts", ...args],
    {
      cwd: apiDir,
      env: { ...process.env, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let err = "";
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stderr?.on("data", (chunk) => {
      err += chunk;
      const match = /BENCH_READY (\d+) (\d+)/.exec(err);
      if (match) resolve(match);
    });
    child.once("exit", () => reject(new Error(`bench server exited:\n${err}`)));
  });
  return {
    url: `http://127.0.0.1:${ready[1]}`,
    pid: Number(ready[2]),
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}

/** Samples a process's resident set size until stopped; returns the peak in MiB. */
export function sampleRss(pid: number): () => Promise<number> {
  let peak = 0;
  const timer = setInterval(async () => {
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peak = Math.max(peak, kib / 1024);
  }, 200);
  return async () => {
    clearInterval(timer);
    return Math.round(peak);
  };
}

/** A two-hour token for the bench's admin (seed.ts), signed with the servers' JWT secret. */
export function adminToken(jwtSecret: string): Promise<string> {
  return new SignJWT({ company_id: COMPANY, roles: [ADMIN_ROLE], role: "authenticated" })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(ADMIN)
    .setAudience("authenticated")
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(new TextEncoder().encode(jwtSecret));
}
