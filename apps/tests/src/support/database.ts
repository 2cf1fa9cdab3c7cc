// A fresh, migrated database per test file: a PGlite copy of the run's dump, or a PostgreSQL
// database cloned from the run's template. `query` runs raw SQL as the superuser, for fixtures,
// catalog reads and tampering only; behaviour under test goes through the app's roles.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto";
import { type ConnectOptions, connectPostgres, type DatabaseHandle, wrapPglite } from "@vibot/db";
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
  handle: DatabaseHandle;
  /** Raw SQL as the superuser (never as the roles under test). */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Raw SQL in one transaction (rolled back when `work` throws). */
  transaction<T>(work: (query: RawQuery) => Promise<T>): Promise<T>;
  /** The database's name on the server (PostgreSQL only). */
  name?: string;
  close(): Promise<void>;
}

async function openPglite(options: ConnectOptions): Promise<TestDatabase> {
  const dump = await readFile(inject("pgliteDump"));
  const client = await PGlite.create({ loadDataDir: new Blob([dump]), extensions: { pgcrypto } });
  return {
    handle: wrapPglite(client, options),
    query: async <Row>(text: string, params?: unknown[]) =>
      (await client.query<Row>(text, params)).rows,
    transaction: (work) =>
      client.transaction((tx) =>
        work(
          async <Row>(text: string, params?: unknown[]) => (await tx.query<Row>(text, params)).rows,
        ),
      ),
    close: () => client.close(),
  };
}

async function openPostgres(options: ConnectOptions): Promise<TestDatabase> {
  const name = `vibot_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl("postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${inject("postgresTemplate")}`);
  const url = serverUrl(name);
  const handle = connectPostgres(url, { max: 60, ...options });
  const raw = postgres(url, { max: 2, onnotice: () => {} });
  return {
    handle,
    name,
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
