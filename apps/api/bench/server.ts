// The API as `pnpm start` builds it, plus the benchmark's floor: a plain primary-key SELECT on the
// same HTTP stack, with no auth, no transaction and no crypto. Exists only in the benchmark.
import { serve } from "@hono/node-server";
import { connectPostgres } from "@vibot/db";
import { queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";
import { compose } from "../src/compose";
import { loadConfig } from "../src/config";
import { createLogger } from "../src/logger";
import { seedBench } from "./seed";

const config = loadConfig();
if (!config.jwtSecret || !config.keyringJson)
  throw new Error("the bench server needs a JWT secret and a keyring");
const { app, database, keyring } = await compose(config, createLogger(config.logLevel));
// An embedded database lives inside this process, so it seeds its own benchmark data.
if (process.argv.includes("--seed")) await seedBench(database.db, keyring);

// The floor reads as the operator (the API's own login may read no table); on PGlite, the one
// session. Same pool size as the API's.
const floorDb = config.operatorDatabaseUrl
  ? connectPostgres(config.operatorDatabaseUrl, { max: config.database.poolMax }).db
  : database.db;

app.get("/bench/floor/:id", async (c) => {
  const [row] = await queryRows<{ id: string; version: number; secret_ciphertext: Uint8Array }>(
    floorDb,
    sql`select id, version, secret_ciphertext from public.connector_credentials where id = ${c.req.param("id")}`,
  );
  if (!row) return c.json({ error: "not found" }, 404);
  return c.json({
    id: row.id,
    version: row.version,
    ciphertext: Buffer.from(row.secret_ciphertext).toString("base64"),
  });
});

serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
  process.stderr.write(`BENCH_READY ${info.port} ${process.pid}\n`);
});

// Exit through process.exit so that --cpu-prof (when profiling) writes its profile.
process.on("SIGTERM", () => process.exit(0));
