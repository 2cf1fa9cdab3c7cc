// What the Drizzle schema declares and the migrated catalog holds agree where drizzle-kit cannot
// see: the ledger's action domain (written by migrations, its list in the code) and every index
// (one a migration made by hand, outside the schema, would be written on every insert for nothing).
import { auditActions } from "@vibot/db";
import * as schema from "@vibot/db/schema";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "./support/database";

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

describe("the migrated catalog against the Drizzle schema", () => {
  it("holds the ledger's actions to exactly the list the code knows, in the column's domain", async () => {
    const [column] = await db.query<{ type: string; checks: number }>(
      `select a.atttypid::regtype::text as type,
         (select count(*)::int from pg_constraint c
          where c.conrelid = 'public.connector_credential_events'::regclass and c.contype = 'c') as checks
       from pg_attribute a
       where a.attrelid = 'public.connector_credential_events'::regclass and a.attname = 'action'`,
    );
    expect(column).toEqual({ type: "vault_audit_action", checks: 0 });
    const [domain] = await db.query<{ definition: string }>(
      `select pg_get_constraintdef(oid) as definition from pg_constraint
       where contypid = 'public.vault_audit_action'::regtype`,
    );
    const listed = [...(domain?.definition ?? "").matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...auditActions].sort());
    for (const action of auditActions)
      await db.query("select $1::text::public.vault_audit_action", [action]);
    await expect(db.query("select 'Read'::text::public.vault_audit_action")).rejects.toThrow(
      /vault_audit_action_check/,
    );
  });

  it("has exactly the indexes the Drizzle schema declares, none left behind by a migration", async () => {
    // Every index is written on every insert: one that no query uses costs each row for nothing.
    // Names compared without case or underscores (drizzle-kit snake-cases what it derives).
    const plain = (name: string) => name.toLowerCase().replaceAll("_", "");
    const declared = (Object.values(schema) as unknown[])
      .filter((t): t is PgTable => t instanceof PgTable)
      .flatMap((t) => {
        const c = getTableConfig(t);
        return [
          ...c.indexes.map(
            (i) =>
              i.config.name ??
              `${c.name}_${i.config.columns.map((col) => ("name" in col ? col.name : "")).join("_")}_index`,
          ),
          ...c.uniqueConstraints.map((u) => u.getName() ?? ""),
          ...c.primaryKeys.map((p) => p.getName()),
          ...c.columns.filter((col) => col.primary).map(() => `${c.name}_pkey`),
          ...c.columns.filter((col) => col.isUnique).map((col) => col.uniqueName ?? ""),
        ].map((name) => plain(name));
      });
    const present = await db.query<{ name: string }>(
      `select i.indexrelid::regclass::text as name from pg_index i
       join pg_class c on c.oid = i.indrelid where c.relnamespace = 'public'::regnamespace
       order by 1`,
    );
    expect(present.map((p) => p.name).filter((name) => !declared.includes(plain(name)))).toEqual(
      [],
    );
    expect(present.length).toBe(declared.length);
  });
});
