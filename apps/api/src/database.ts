// Opens the configured database: PostgreSQL when DATABASE_URL is set, else embedded PGlite
// (created and migrated on start).
import { chmod, mkdir } from "node:fs/promises";
import { connectPglite, connectPostgres, type DatabaseHandle } from "@vibot/db";
import type { Config } from "./config";

export async function openDatabase(config: Config): Promise<DatabaseHandle> {
  const { poolMax, readConnections, writeConnections, acquireTimeoutMs } = config.database;
  const { lockTimeoutMs, statementTimeoutMs } = config.database;
  const limits = { lockTimeoutMs, statementTimeoutMs };
  if (config.databaseUrl)
    return connectPostgres(config.databaseUrl, {
      max: poolMax,
      readConnections,
      writeConnections,
      acquireTimeoutMs,
      limits,
    });
  const dataDir = config.pgliteDataDir.startsWith("memory://") ? undefined : config.pgliteDataDir;
  if (dataDir) {
    // The embedded database holds ciphertexts: its directory is owner-only (0700), so whatever
    // modes the engine gives its files, no other user can reach them.
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chmod(dataDir, 0o700);
  }
  const database = await connectPglite(dataDir, { limits });
  await database.migrate();
  return database;
}
