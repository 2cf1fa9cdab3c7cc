// Opens the configured database: PostgreSQL when DATABASE_URL is set, else embedded PGlite
// (created and migrated on start).
import { mkdir } from "node:fs/promises";
import { connectPglite, connectPostgres, type DatabaseHandle } from "@vibot/db";
import type { Config } from "./config";

export async function openDatabase(config: Config): Promise<DatabaseHandle> {
  const { poolMax, acquireTimeoutMs, lockTimeoutMs, statementTimeoutMs } = config.database;
  const limits = { lockTimeoutMs, statementTimeoutMs };
  if (config.databaseUrl)
    return connectPostgres(config.databaseUrl, { max: poolMax, acquireTimeoutMs, limits });
  const dataDir = config.pgliteDataDir.startsWith("memory://") ? undefined : config.pgliteDataDir;
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const database = await connectPglite(dataDir, { limits });
  await database.migrate();
  return database;
}
