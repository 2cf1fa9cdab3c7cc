// The PostgreSQL driver as patched (patches/postgres@3.4.9.patch): a query that fails while its
// rows stream in, by an error in a row or by its backend being terminated, must leave the
// connection clean for the next query. Unpatched, postgres.js kept counting rows from where the
// failed query stopped, and the next query on that connection resolved with leading holes: the
// lanes pipeline every door call, so under backend terminations a rotation was answered 500
// (a TypeError reading the holes).
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engine, openTestDatabase, type TestDatabase } from "./support/database";

describe.runIf(engine === "postgres")("the patched driver", () => {
  let db: TestDatabase;
  let sql: postgres.Sql;
  let operator: postgres.Sql;

  beforeAll(async () => {
    db = await openTestDatabase();
    const url = db.childEnv.OPERATOR_DATABASE_URL ?? "";
    // One connection, so that the second query is pipelined behind the first on it.
    sql = postgres(url, { max: 1, onnotice: () => {} });
    operator = postgres(url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end({ timeout: 1 });
    await operator?.end({ timeout: 1 });
    await db?.close();
  });

  const numbers = (n: number) => Array.from({ length: n }, (_, i) => ({ x: i + 1 }));

  it("answers a query pipelined behind one that failed on its fourth row with its own rows only", async () => {
    const failing = sql`select i, 1 / (4 - i) as boom from generate_series(1, 10) i`.catch(
      (error: Error) => error,
    );
    const next = sql`select x from generate_series(1, 5) x`;
    expect(await failing).toBeInstanceOf(Error);
    const rows = [...(await next)];
    expect(rows).toEqual(numbers(5));
    expect(Object.keys(rows)).toHaveLength(5);
  });

  it("answers the first query after a backend terminated mid-result with its own rows only", async () => {
    const [{ pid } = { pid: 0 }] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    // Two rows sent, then a wait on the third, during which the backend is terminated.
    const failing = sql`select i, pg_sleep(case when i = 3 then 30 else 0 end)
      from generate_series(1, 5) i`.catch((error: Error) => error);
    for (;;) {
      const [row] = await operator<{ waiting: boolean }[]>`
        select wait_event = 'PgSleep' as waiting from pg_stat_activity where pid = ${pid}`;
      if (row?.waiting) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await operator`select pg_terminate_backend(${pid})`;
    expect(await failing).toBeInstanceOf(Error);
    const rows = [...(await sql`select x from generate_series(1, 3) x`)];
    expect(rows).toEqual(numbers(3));
  });
});
