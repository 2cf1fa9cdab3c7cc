// Connects to PostgreSQL (postgres.js) or embedded PGlite (with pgcrypto) behind one Drizzle type.
import { PGlite } from "@electric-sql/pglite";
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto";
import type { Logger } from "drizzle-orm/logger";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { migratorConfig } from "./migrations";
import * as schema from "./schema";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** A change notification as delivered by the driver: the channel's payload text. */
export type NotificationHandler = (payload: string) => void;

/** An open database: the Drizzle handle plus what Drizzle does not cover (LISTEN, close). */
export interface DatabaseHandle {
  readonly kind: "postgres" | "pglite";
  readonly db: Database;
  /** Subscribes to a NOTIFY channel; resolves to an unsubscribe function. */
  listen(channel: string, onPayload: NotificationHandler): Promise<() => Promise<void>>;
  /** Applies every pending committed migration, as `drizzle-kit migrate` would. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Sees every statement's text and parameters; for tests that assert what is sent. */
  logger?: Logger;
}

export interface PostgresOptions extends ConnectOptions {
  /** Pool size; postgres.js opens connections lazily. */
  max?: number;
}

/** Opens a postgres.js pool on `url`. */
export function connectPostgres(url: string, options: PostgresOptions = {}): DatabaseHandle {
  const client = postgres(url, {
    max: options.max ?? 20,
    onnotice: () => {},
    // Keys and secrets travel as parameters; never let a driver error echo them back.
    debug: false,
  });
  const db = drizzlePostgres({
    client,
    schema,
    casing: "snake_case",
    logger: options.logger ?? false,
  });
  return {
    kind: "postgres",
    db,
    async listen(channel, onPayload) {
      const subscription = await client.listen(channel, onPayload);
      return () => subscription.unlisten();
    },
    migrate: () => migratePostgres(db, migratorConfig),
    close: () => client.end({ timeout: 5 }),
  };
}

/** Opens (creating when missing) an embedded PGlite database with pgcrypto loaded. */
export async function connectPglite(
  dataDir: string | undefined,
  options: ConnectOptions = {},
): Promise<DatabaseHandle> {
  const client = await PGlite.create(dataDir, { extensions: { pgcrypto } });
  return wrapPglite(client, options);
}

/** Wraps an already open PGlite instance (tests hand in a migrated clone). */
export function wrapPglite(client: PGlite, options: ConnectOptions = {}): DatabaseHandle {
  const db = drizzlePglite({
    client,
    schema,
    casing: "snake_case",
    logger: options.logger ?? false,
  });
  return {
    kind: "pglite",
    db,
    listen: (channel, onPayload) => client.listen(channel, onPayload),
    migrate: () => migratePglite(db, migratorConfig),
    close: () => client.close(),
  };
}
