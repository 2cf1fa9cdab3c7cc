// The server entry point (`pnpm start`): configuration, database, keyring, then HTTP.
import { serve } from "@hono/node-server";
import { Keyring, KeyringError } from "@vibot/crypto";
import { migrationsApplied } from "@vibot/db";
import { createApp } from "./app";
import { ConfigError, loadConfig } from "./config";
import { openDatabase } from "./database";
import { demoAdminToken, loadDevSecrets, seedDemo } from "./dev-mode";
import { createLogger } from "./logger";

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config);

  let { jwtSecret, keyringJson } = config;
  let banner: string[] = [];
  if (!config.databaseUrl) {
    const { secrets, path } = await loadDevSecrets(config.pgliteDataDir);
    jwtSecret ??= secrets.jwtSecret;
    keyringJson ??= secrets.keyring;
    await seedDemo(database, secrets.demo);
    const token = await demoAdminToken(jwtSecret, secrets.demo);
    const url = (port: number) => `http://${config.host}:${port}`;
    banner = [
      `Embedded PGlite database: ${config.pgliteDataDir}`,
      path
        ? `Development secrets: ${path} (mode 0600; never use them in production)`
        : "Development secrets: in memory",
      `Demo company ${secrets.demo.companyId}, connector ${secrets.demo.connectorId}`,
      "Demo admin access token (24 h):",
      `TOKEN=${token}`,
      "Try:",
      `curl -s -X POST {URL}/v1/connectors/${secrets.demo.connectorId}/credentials -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"secret":{"apiKey":"sk_test_123"}}'`,
      `curl -s {URL}/v1/connectors/${secrets.demo.connectorId}/credentials/current -H "Authorization: Bearer $TOKEN"`,
    ].map((line) => line.replaceAll("{URL}", url(config.port)));
  } else if (!(await migrationsApplied(database).catch(() => false))) {
    logger.warn(
      { event: "startup.migrations_missing" },
      "migrations are missing: run `pnpm db:migrate`",
    );
  }
  if (!jwtSecret || !keyringJson)
    throw new ConfigError("SUPABASE_JWT_SECRET and CREDENTIALS_KEYRING are required");

  const keyring = await Keyring.fromJson(keyringJson);
  const app = createApp({ database, keyring, logger, jwtSecret, maxVersions: config.maxVersions });
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    const listening = `Listening on http://${config.host}:${info.port}`;
    const lines = [
      listening,
      ...banner.map((l) => l.replaceAll(`:${config.port}/`, `:${info.port}/`)),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    logger.info(
      { event: "startup.listening", port: info.port, activeKid: keyring.active.kid },
      "listening",
    );
  });

  server.once("error", (error: NodeJS.ErrnoException) => {
    process.stderr.write(
      `Cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}\n`,
    );
    process.exit(1);
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    // A signal can arrive twice (to the process group and relayed by a wrapper such as tsx).
    if (stopping) return;
    stopping = true;
    logger.info({ event: "shutdown", signal }, "shutting down");
    server.close(async () => {
      await database.close();
      process.stdout.write("Stopped cleanly\n");
      process.exit(0);
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof KeyringError;
  process.stderr.write(
    `Cannot start: ${known ? error.message : String((error as Error)?.name ?? error)}\n`,
  );
  if (!known)
    process.stderr.write(`${(error as Error)?.stack?.split("\n").slice(0, 1).join("\n")}\n`);
  process.exit(1);
});
