// A fresh, migrated database per test file: a PGlite copy of the run's dump, or a PostgreSQL
// database cloned from the run's template. `query` runs raw SQL as the superuser, for fixtures,
// catalog reads and tampering only; behaviour under test goes through the app's roles.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto";
import { type ConnectOptions, connectPostgres, type DatabaseHandle } from "@vibot/db";
import { wrapPglite } from "@vibot/db/testing";
import postgres from "postgres";
import { inject } from "vitest";
import { serverUrl } from "./urls";

export type Engine = "pglite" | "postgres";
export const engine: Engine = process.env.VIBOT_TEST_ENGINE === "postgres" ? "postgres" : "pglite";

export type RawQuery = <Row = Record<string, unknown>>(
  text: string,
  params?: unknown[],
) => Promise<Row[]>;

export interface TestDatabase {
  /** The API's handle: on PostgreSQL the least-privilege login, as a user must run it. */
  handle: DatabaseHandle;
  /** The operator's handle (superuser): fixtures, bulk seeding, reencrypt and verify. */
  operator: DatabaseHandle;
  /** Raw SQL as the superuser (never as the roles under test). */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Raw SQL in one transaction (rolled back when `work` throws). */
  transaction<T>(work: (query: RawQuery) => Promise<T>): Promise<T>;
  /** The database's name on the server (PostgreSQL only). */
  name?: string;
  /** Environment that points a child process (a command) at this database. */
  childEnv: Record<string, string>;
  /**
   * Runs `work` while a child process owns the database: an embedded database allows one
   * process at a time, so it is closed meanwhile and reopened after.
   */
  handOver<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function openPglite(options: ConnectOptions, dataDir?: string): Promise<TestDatabase> {
  const dump = new Blob([await readFile(inject("pgliteDump"))]);
  const open = (loadDataDir?: Blob) =>
    PGlite.create(dataDir, { ...(loadDataDir ? { loadDataDir } : {}), extensions: { pgcrypto } });
  let client = await open(dump);
  // One engine, one superuser: the request door switches each transaction to authenticator.
  const handle = wrapPglite(client, options);
  const database: TestDatabase = {
    handle,
    operator: handle,
    query: async <Row>(text: string, params?: unknown[]) =>
      (await client.query<Row>(text, params)).rows,
    transaction: (work) =>
      client.transaction((tx) =>
        work(
          async <Row>(text: string, params?: unknown[]) => (await tx.query<Row>(text, params)).rows,
        ),
      ),
    childEnv: dataDir ? { PGLITE_DATA_DIR: dataDir } : {},
    async handOver(work) {
      if (!dataDir) throw new Error("an in-memory PGlite cannot be handed to another process");
      await client.close();
      try {
        return await work();
      } finally {
        client = await open();
        database.handle = wrapPglite(client, options);
        database.operator = database.handle;
      }
    },
    close: () => client.close(),
  };
  return database;
}

async function openPostgres(options: ConnectOptions): Promise<TestDatabase> {
  const name = `vibot_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl("postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${inject("postgresTemplate")}`);
  const url = serverUrl(name);
  const apiUrl = serverUrl(name, inject("apiLogin"));
  // A generous acquire deadline: 50 rotations of one connector queue in-process on a loaded CI box.
  const handle = connectPostgres(apiUrl, { max: 60, acquireTimeoutMs: 15_000, ...options });
  const operator = connectPostgres(url, { max: 4 });
  const raw = postgres(url, { max: 2, onnotice: () => {} });
  return {
    handle,
    operator,
    name,
    childEnv: { DATABASE_URL: apiUrl, OPERATOR_DATABASE_URL: url },
    handOver: (work) => work(),
    query: async <Row>(text: string, params?: unknown[]) =>
      (await raw.unsafe(text, params as never[])) as unknown as Row[],
    transaction: <T>(work: (query: RawQuery) => Promise<T>) =>
      raw.begin((tx) =>
        work(
          async <Row>(text: string, params?: unknown[]) =>
            (await tx.unsafe(text, params as never[])) as unknown as Row[],
        ),
      ) as Promise<T>,
    async close() {
      await handle.close();
      await operator.close();
      await raw.end();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** Opens this file's own migrated database on the engine of the current vitest project. */
export function openTestDatabase(options: ConnectOptions = {}): Promise<TestDatabase> {
  return engine === "postgres" ? openPostgres(options) : openPglite(options);
}

/** Like openTestDatabase, but an embedded database lives in `dataDir` so a child can open it. */
export function openSharedTestDatabase(dataDir: string): Promise<TestDatabase> {
  return engine === "postgres" ? openPostgres({}) : openPglite({}, dataDir);
}
