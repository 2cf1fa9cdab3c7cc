// `drizzle-kit migrate` (the deploy step, `pnpm db:migrate`) against a fresh PostgreSQL database.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { engine } from "./support/database";
import { createEmptyDatabase } from "./support/fresh-postgres";

const run = promisify(execFile);
const dbPackage = fileURLToPath(new URL("../../../packages/db", import.meta.url));
const drizzleKit = `${dbPackage}/node_modules/.bin/drizzle-kit`;

describe.runIf(engine === "postgres")("drizzle-kit migrate", () => {
  it("applies cleanly to an empty database, and a second run is a no-op", async () => {
    const fresh = await createEmptyDatabase("vibot_cli");
    try {
      const env = { ...process.env, DATABASE_URL: fresh.url };
      await run(drizzleKit, ["migrate"], { cwd: dbPackage, env });
      const sql = postgres(fresh.url, { max: 1, onnotice: () => {} });
      const applied =
        await sql`select hash, created_at from drizzle.__drizzle_migrations order by id`;
      expect(applied.length).toBeGreaterThanOrEqual(3);
      await run(drizzleKit, ["migrate"], { cwd: dbPackage, env });
      expect(
        await sql`select hash, created_at from drizzle.__drizzle_migrations order by id`,
      ).toEqual(applied);
      const [table] =
        await sql`select relforcerowsecurity as forced from pg_class where oid = 'public.connector_credentials'::regclass`;
      expect(table?.forced).toBe(true);
      const settings = await sql`select unnest(setconfig) as s from pg_db_role_setting
        where setdatabase = (select oid from pg_database where datname = current_database()) and setrole = 0`;
      expect(settings.map((r) => r.s)).toEqual(
        expect.arrayContaining([
          "log_parameter_max_length=0",
          "log_parameter_max_length_on_error=0",
        ]),
      );
      await sql.end();
    } finally {
      await fresh.drop();
    }
  });
});
