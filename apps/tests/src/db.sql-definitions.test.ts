// One current definition per SQL object: every function, trigger and grant the migrations leave
// in the catalog has its definition in a file under packages/db/sql/, and running those files again
// on the migrated database changes nothing (so each file is exactly what runs).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { CHAIN_LOCK_KEY, CHANGE_FEED_CHANNEL } from "@vibot/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RawQuery } from "./support/database";
import { openTestDatabase, type TestDatabase } from "./support/database";

const SQL_DIR = new URL("../../../packages/db/sql/", import.meta.url).pathname;

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

async function definitionFiles(): Promise<{ kind: string; name: string; text: string }[]> {
  const files = [];
  for (const kind of ["functions", "triggers", "grants"]) {
    for (const file of (await readdir(join(SQL_DIR, kind)))
      .filter((f) => f.endsWith(".sql"))
      .sort())
      files.push({
        kind,
        name: file.replace(/\.sql$/, ""),
        text: await readFile(join(SQL_DIR, kind, file), "utf8"),
      });
  }
  return files;
}

/** What the catalog says of our functions, triggers and grants, in a stable order. */
const catalog = async (q: RawQuery) => ({
  functions: await q(
    `select p.oid::regprocedure::text as name, pg_get_functiondef(p.oid) as definition,
       pg_get_userbyid(p.proowner) as owner,
       (select string_agg(a.grantee::regrole::text || ':' || a.privilege_type, ',' order by 1)
          from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a) as grants
     from pg_proc p
     where p.pronamespace = 'public'::regnamespace
       and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
     order by 1`,
  ),
  triggers: await q(
    `select t.tgname as name, pg_get_triggerdef(t.oid) as definition from pg_trigger t
     join pg_class c on c.oid = t.tgrelid
     where c.relnamespace = 'public'::regnamespace and not t.tgisinternal order by 1`,
  ),
  grants: await q(
    `select c.relname as name, a.grantee::regrole::text as grantee, a.privilege_type as privilege
     from pg_class c cross join lateral aclexplode(c.relacl) a
     where c.relnamespace = 'public'::regnamespace and a.grantee <> c.relowner
     order by 1, 2, 3`,
  ),
});

it("runs every file under packages/db/sql again on the migrated database and changes nothing", async () => {
  const files = await definitionFiles();
  const [before, after] = await db
    .transaction(async (q) => {
      const migrated = await catalog(q);
      for (const file of files)
        for (const statement of file.text.split("--> statement-breakpoint"))
          if (statement.trim()) await q(statement);
      const rerun = await catalog(q);
      throw Object.assign(new Error("rolled back"), { snapshots: [migrated, rerun] });
    })
    .catch((error: { snapshots?: unknown[] }) => {
      if (!error.snapshots) throw error;
      return error.snapshots;
    });
  expect(after).toEqual(before);
});

it("has a file for every function and trigger of ours, and every table's grants", async () => {
  const files = await definitionFiles();
  const named = (kind: string) => files.filter((f) => f.kind === kind).map((f) => f.name);
  const functions = await db.query<{ name: string }>(
    `select distinct p.proname as name from pg_proc p
     where p.pronamespace = 'public'::regnamespace
       and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')`,
  );
  const wrappers = files.find((f) => f.name === "vault_pgcrypto_wrappers")?.text ?? "";
  for (const { name } of functions)
    expect(named("functions").includes(name) || wrappers.includes(`public.${name}(`), name).toBe(
      true,
    );
  const triggers = await db.query<{ name: string }>(
    `select t.tgname as name from pg_trigger t join pg_class c on c.oid = t.tgrelid
     where c.relnamespace = 'public'::regnamespace and not t.tgisinternal`,
  );
  for (const { name } of triggers) expect(named("triggers"), name).toContain(name);
  const granted = await db.query<{ name: string }>(
    `select distinct c.relname as name from pg_class c cross join lateral aclexplode(c.relacl) a
     where c.relnamespace = 'public'::regnamespace and a.grantee <> c.relowner`,
  );
  for (const { name } of granted) expect(named("grants"), name).toContain(name);
});

it("takes the sequencer's lock and announces on the channel the API names", async () => {
  const sequencer = await readFile(join(SQL_DIR, "functions", "vault_chain_events.sql"), "utf8");
  expect(sequencer).toContain(`pg_try_advisory_xact_lock(${CHAIN_LOCK_KEY})`);
  expect(sequencer).toContain(`pg_notify('${CHANGE_FEED_CHANNEL}'`);
});
