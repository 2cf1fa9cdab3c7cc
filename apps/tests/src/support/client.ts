// The API on a real port for the client suites: the in-process app (with its realtime hub) behind
// the production server, which a test can stop (an outage) and start again on the same port.
import { createLogger } from "@vibot/api/logger";
import { RealtimeHub } from "@vibot/api/realtime";
import { startServer } from "@vibot/api/server";
import { createTestApi } from "./api";
import type { TestDatabase } from "./database";
import { testKeyring } from "./keys";

export interface ServedApi {
  api: Awaited<ReturnType<typeof createTestApi>>;
  url: string;
  /** Closes every socket (streams included) and stops listening: the API is unreachable. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

export async function serveTestApi(db: TestDatabase): Promise<ServedApi> {
  const hub = new RealtimeHub(db.handle, await testKeyring(), createLogger("silent"));
  const api = await createTestApi(db, {
    realtime: { hub, limits: { maxStreamsPerToken: 50, maxStreamsPerCompany: 200 } },
  });
  const listen = (port: number) =>
    startServer(api.app, { host: "127.0.0.1", port, keepAliveTimeoutMs: 5_000 });
  let running = await listen(0);
  const { port } = running;
  return {
    api,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      const closed = new Promise((resolve) => running.server.close(resolve));
      running.server.closeAllConnections();
      await closed;
    },
    async start() {
      running = await listen(port);
    },
  };
}

/** A logger that keeps what it was told, for "a warning was logged" checks. */
export function recordingLogger() {
  const warnings: string[] = [];
  return { warnings, warn: (message: string) => void warnings.push(message) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 20 ms until it holds or `ms` pass; resolves to whether it held. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await sleep(20);
  }
  return false;
}
