// The real start command in a child process: embedded PGlite in a temporary directory, a printed
// token, one authenticated rotation and read, then a clean stop on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { engine } from "./support/database";

const root = fileURLToPath(new URL("../../../", import.meta.url));
let child: ChildProcess | undefined;
let dataRoot: string | undefined;

afterAll(async () => {
  try {
    if (child?.pid) process.kill(-child.pid, "SIGKILL");
  } catch {
    // the group has already exited
  }
  if (dataRoot) await rm(dataRoot, { recursive: true, force: true });
});

function waitFor(
  output: () => string,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const match = pattern.exec(output());
      if (match) {
        clearInterval(timer);
        resolve(match);
      } else if (Date.now() - started > timeoutMs || child?.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`no ${pattern} in output:\n${output()}`));
      }
    }, 100);
  });
}

// The embedded start is the same on both engine projects; run it once.
it.runIf(engine === "pglite")(
  "starts with `pnpm start`, serves a rotation and a read, and stops cleanly",
  async () => {
    dataRoot = await mkdtemp(join(tmpdir(), "vibot-start-"));
    const {
      DATABASE_URL: _,
      SUPABASE_JWT_SECRET: __,
      CREDENTIALS_KEYRING: ___,
      ...env
    } = process.env;
    child = spawn("npx", ["-y", "pnpm@10.34.9", "start"], {
      cwd: root,
      env: { ...env, PORT: "0", PGLITE_DATA_DIR: join(dataRoot, "pglite"), LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: npx does not forward signals, so the stop signal goes to the group.
      detached: true,
    });
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });

    const [, url] = await waitFor(() => output, /Listening on (http:\/\/127\.0\.0\.1:\d+)/, 90_000);
    const [, token] = await waitFor(() => output, /^TOKEN=(\S+)$/m, 5_000);
    const [, connectorId] = await waitFor(() => output, /connector ([0-9a-f-]{36})/, 5_000);
    expect((await stat(join(dataRoot, "dev-secrets.json"))).mode & 0o777).toBe(0o600);
    // The embedded database's directory is owner-only: no other user reaches its files.
    expect((await stat(join(dataRoot, "pglite"))).mode & 0o777).toBe(0o700);

    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const rotated = await fetch(`${url}/v1/connectors/${connectorId}/credentials`, {
      method: "POST",
      headers,
      body: JSON.stringify({ secret: { apiKey: "sk_process_test" } }),
    });
    expect(rotated.status, await rotated.clone().text()).toBe(201);
    const current = await fetch(`${url}/v1/connectors/${connectorId}/credentials/current`, {
      headers,
    });
    expect(await current.json()).toMatchObject({
      version: 1,
      secret: { apiKey: "sk_process_test" },
    });

    // npx and pnpm exit on the signal at once; the server, their grandchild, drains and closes
    // its database first. Its output is complete when the last writer of both pipes has exited.
    const pipesClosed = Promise.all(
      [child.stdout, child.stderr].map(
        (stream) => new Promise<void>((resolve) => stream?.once("close", () => resolve())),
      ),
    );
    process.kill(-(child.pid ?? 0), "SIGTERM");
    await Promise.race([pipesClosed, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    expect(output).toMatch(/^Stopped cleanly$/m);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(output).not.toContain("sk_process_test");
  },
  // A cold `pnpm start` (npx, tsx, PGlite's first migration) plus the drain, on a loaded runner.
  180_000,
);
