// A PostgreSQL cluster of a test's own (initdb in a temporary directory, its own port), for fault
// tests that restart the server or kill its backends: never the shared server of DATABASE_URL.
import { execFile } from "node:child_process";
import { chown, mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

async function binDir(): Promise<string> {
  const versions = (await readdir("/usr/lib/postgresql")).sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  if (!newest) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql");
  return `/usr/lib/postgresql/${newest}/bin`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

export interface Cluster {
  port: number;
  url(database: string, user?: string): string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** initdb, then start with trust auth on 127.0.0.1 and fsync off (a test server, not a store). */
export async function startCluster(): Promise<Cluster> {
  const bin = await binDir();
  const root = await mkdtemp(join(tmpdir(), "vibot-cluster-"));
  const data = join(root, "data");
  // initdb refuses root: run the server as the postgres OS user when we are root.
  const asServer = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
  if (asServer.length) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(root, Number(stdout), Number(gid));
  }
  const sh = (command: string, args: string[]) =>
    run(asServer[0] ?? command, asServer.length ? [...asServer.slice(1), command, ...args] : args);
  await sh(`${bin}/initdb`, [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "--no-sync",
    "-E",
    "UTF8",
  ]);
  const port = await freePort();
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const pgCtl = (...args: string[]) =>
    sh(`${bin}/pg_ctl`, ["-D", data, "-o", options, "-l", join(root, "log"), "-w", ...args]);
  await pgCtl("start");
  return {
    port,
    url: (database, user = "postgres") => `postgres://${user}@127.0.0.1:${port}/${database}`,
    restart: async () => {
      await pgCtl("restart", "-m", "fast");
    },
    async stop() {
      await pgCtl("stop", "-m", "immediate").catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
}
