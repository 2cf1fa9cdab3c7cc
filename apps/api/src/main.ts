// The server entry point (`pnpm start`): configuration, composition, HTTP, and a draining stop on
// SIGTERM or SIGINT (exit 0 when every request finished within SHUTDOWN_GRACE_MS).
import { KeyringError } from "@vibot/crypto";
import { unavailableFrom } from "@vibot/db";
import { compose } from "./compose";
import { ConfigError, loadConfig } from "./config";
import { createLogger } from "./logger";
import { startServer } from "./server";

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const { app, database, keyring, banner, sequencer, lifecycle } = await compose(config, logger);

  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer(app, {
      host: config.host,
      port: config.port,
      keepAliveTimeoutMs: config.http.keepAliveTimeoutMs,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    process.stderr.write(`Cannot listen on ${config.host}:${config.port}: ${code}\n`);
    await database.close();
    process.exit(1);
  }
  const url = `http://${config.host}:${running.port}`;
  const lines = [`Listening on ${url}`, ...banner.map((l) => l.replaceAll("{URL}", url))];
  process.stdout.write(`${lines.join("\n")}\n`);
  logger.info(
    { event: "startup.listening", port: running.port, activeKid: keyring.active.kid },
    "listening",
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    // A signal can arrive twice (to the process group and relayed by a wrapper such as tsx).
    if (stopping) return;
    stopping = true;
    const inFlight = running.inFlight;
    logger.info({ event: "shutdown.draining", signal, inFlight }, "draining");
    const hub = app.dependencies.realtime.hub;
    const finished = await running.drain(config.http.shutdownGraceMs, () => hub.close());
    // Chain what the drained requests recorded, then close.
    await lifecycle.stop();
    await sequencer.stop();
    await sequencer.drain().catch(() => 0);
    await database.close().catch(() => {});
    logger.info({ event: "shutdown.done", finished }, "stopped");
    process.stdout.write(finished ? "Stopped cleanly\n" : "Stopped after the grace period\n");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

// postgres.js can reject a query of a connection that died with nobody left awaiting it (seen
// under repeated pg_terminate_backend; upstream porsager/postgres#1208 family). A database fault
// must not end the process: log it and go on. Anything else unhandled is a bug: exit non-zero.
process.on("unhandledRejection", (reason) => {
  const fault = unavailableFrom(reason);
  if (fault) {
    process.stderr.write(
      `${JSON.stringify({ level: 40, event: "database.orphaned_error", reason: fault.reason })}\n`,
    );
    return;
  }
  process.stderr.write(`Unhandled rejection: ${(reason as Error)?.name ?? typeof reason}\n`);
  process.exit(1);
});
main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof KeyringError;
  process.stderr.write(
    `Cannot start: ${known ? error.message : String((error as Error)?.name ?? error)}\n`,
  );
  if (!known)
    process.stderr.write(`${(error as Error)?.stack?.split("\n").slice(0, 1).join("\n")}\n`);
  process.exit(1);
});
