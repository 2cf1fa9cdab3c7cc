// The migrated catalog, read back from pg_catalog / information_schema, matches the database contract (the seed's table, roles, grants, RLS).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "./support/database";

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

const table = "public.connector_credentials";

describe("connector_credentials after every migration", () => {
  it("has exactly the seed's columns, types, nullability and defaults", async () => {
    const columns = await db.query<Record<string, string | null>>(
      `select column_name, data_type, character_maximum_length::text as len, is_nullable, column_default
       from information_schema.columns
       where table_schema = 'public' and table_name = 'connector_credentials' order by ordinal_position`,
    );
    expect(columns).toEqual([
      {
        column_name: "id",
        data_type: "uuid",
        len: null,
        is_nullable: "NO",
        column_default: "gen_random_uuid()",
      },
      {
        column_name: "company_id",
        data_type: "uuid",
        len: null,
        is_nullable: "NO",
        column_default: null,
      },
      {
        column_name: "connector_id",
        data_type: "uuid",
        len: null,
        is_nullable: "NO",
        column_default: null,
      },
      {
        column_name: "version",
        data_type: "integer",
        len: null,
        is_nullable: "NO",
        column_default: null,
      },
      {
        column_name: "secret_ciphertext",
        data_type: "bytea",
        len: null,
        is_nullable: "NO",
        column_default: null,
      },
      {
        column_name: "checksum",
        data_type: "character varying",
        len: "128",
        is_nullable: "NO",
        column_default: null,
      },
      {
        column_name: "rotated_at",
        data_type: "timestamp with time zone",
        len: null,
        is_nullable: "NO",
        column_default: "CURRENT_TIMESTAMP",
      },
      {
        column_name: "rotated_by",
        data_type: "uuid",
        len: null,
        is_nullable: "YES",
        column_default: null,
      },
    ]);
  });

  it("has the seed's foreign keys with their ON DELETE, plus the tenancy key", async () => {
    const keys = await db.query<{ columns: string; target: string; on_delete: string }>(
      `select (select string_agg(a.attname, ',' order by k.ord) from unnest(c.conkey) with ordinality k(n, ord)
                join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n) as columns,
              c.confrelid::regclass::text || '(' || (select string_agg(a.attname, ',' order by k.ord)
                from unnest(c.confkey) with ordinality k(n, ord)
                join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n) || ')' as target,
              c.confdeltype::text as on_delete
       from pg_constraint c where c.conrelid = '${table}'::regclass and c.contype = 'f' order by 1`,
    );
    expect(keys).toEqual([
      { columns: "company_id", target: "companies(id)", on_delete: "c" },
      { columns: "connector_id", target: "integration_connectors(id)", on_delete: "c" },
      {
        columns: "connector_id,company_id",
        target: "integration_connectors(id,company_id)",
        on_delete: "c",
      },
      { columns: "rotated_by", target: "users(id)", on_delete: "a" },
    ]);
  });

  it("has unique (connector_id, version), check (version >= 1) and the seed's index", async () => {
    const constraints = await db.query<{ contype: string; def: string }>(
      `select contype::text, pg_get_constraintdef(oid) as def from pg_constraint
       where conrelid = '${table}'::regclass and contype in ('u', 'c') order by contype`,
    );
    expect(constraints).toEqual([
      { contype: "c", def: "CHECK ((version >= 1))" },
      { contype: "u", def: "UNIQUE (connector_id, version)" },
    ]);
    const [index] = await db.query<{ def: string }>(
      "select indexdef as def from pg_indexes where indexname = 'idx_connector_credentials_company_id'",
    );
    expect(index?.def).toMatch(/ON public\.connector_credentials USING btree \(company_id\)$/);
  });

  it("enables and forces row level security with the seed's policy", async () => {
    const [rls] = await db.query<{ enabled: boolean; forced: boolean }>(
      `select relrowsecurity as enabled, relforcerowsecurity as forced from pg_class where oid = '${table}'::regclass`,
    );
    expect(rls).toEqual({ enabled: true, forced: true });
    const policies = await db.query<Record<string, string>>(
      `select policyname, cmd, roles::text as roles, permissive, qual, with_check from pg_policies
       where schemaname = 'public' and tablename = 'connector_credentials' order by policyname`,
    );
    // Beside the seed's policy: deleted versions hidden from admins (restrictive, so it only
    // narrows the seed's rule), and the purge job's own role (docs/ARCHITECTURE.md).
    expect(policies.map((p) => [p.policyname, p.permissive, p.roles])).toEqual([
      ["Connector credentials managed by admins", "PERMISSIVE", "{public}"],
      ["Credentials purged by the lifecycle jobs", "PERMISSIVE", "{vault_lifecycle}"],
      ["Deleted versions unreadable", "RESTRICTIVE", "{authenticated}"],
    ]);
    const policy = policies.find((p) => p.policyname === "Connector credentials managed by admins");
    expect(policy?.policyname).toBe("Connector credentials managed by admins");
    expect(policy?.cmd).toBe("ALL");
    expect(policy?.roles).toBe("{public}");
    const rule =
      /^\(\(company_id = \( SELECT current_company_id\(\) AS current_company_id\)\) AND \( SELECT has_role\('Vibot\.admin'::text\) AS has_role\)\)$/;
    expect(policy?.qual).toMatch(rule);
    expect(policy?.with_check).toMatch(rule);
  });

  it("carries the seed's table and column comments", async () => {
    const comments = await db.query<{ name: string; comment: string }>(
      `select coalesce(a.attname, '(table)') as name,
              coalesce(col_description(c.oid, a.attnum), obj_description(c.oid, 'pg_class')) as comment
       from pg_class c left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       where c.oid = '${table}'::regclass
       union all select '(table)', obj_description('${table}'::regclass, 'pg_class')`,
    );
    const byName = Object.fromEntries(comments.map((row) => [row.name, row.comment]));
    expect(byName).toEqual({
      "(table)": "连接器凭据",
      id: "凭据唯一标识",
      company_id: "所属公司",
      connector_id: "关联连接器",
      version: "版本号",
      secret_ciphertext: "使用 pgcrypto 加密后的密文",
      checksum: "完整性校验",
      rotated_at: "最近轮换时间",
      rotated_by: "操作人",
    });
  });
});

describe("roles, functions and grants", () => {
  it("creates anon, authenticated (NOLOGIN) and service_role (NOLOGIN, BYPASSRLS)", async () => {
    const roles = await db.query<{ rolname: string; rolcanlogin: boolean; rolbypassrls: boolean }>(
      `select rolname, rolcanlogin, rolbypassrls from pg_roles
       where rolname in ('anon', 'authenticated', 'service_role') order by rolname`,
    );
    expect(roles).toEqual([
      { rolname: "anon", rolcanlogin: false, rolbypassrls: false },
      { rolname: "authenticated", rolcanlogin: false, rolbypassrls: false },
      { rolname: "service_role", rolcanlogin: false, rolbypassrls: true },
    ]);
  });

  it("lets authenticated only SELECT, anon nothing, and service_role mutate", async () => {
    const privileges = await db.query<{ role: string; privilege: string; granted: boolean }>(
      `select r as role, p as privilege, has_table_privilege(r, '${table}', p) as granted
       from unnest(array['anon', 'authenticated', 'service_role']) r,
            unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p order by 1, 2`,
    );
    const granted = privileges
      .filter((row) => row.granted)
      .map((row) => `${row.role}:${row.privilege}`);
    expect(granted).toEqual([
      "authenticated:SELECT",
      "service_role:DELETE",
      "service_role:INSERT",
      "service_role:SELECT",
      "service_role:UPDATE",
    ]);
  });

  it("installs the guard, and no trigger that notifies", async () => {
    const triggers = await db.query<{ tgname: string }>(
      `select tgname from pg_trigger where tgrelid = '${table}'::regclass and not tgisinternal order by 1`,
    );
    expect(triggers.map((t) => t.tgname)).toEqual(["connector_credentials_guard"]);
  });

  it("calls pg_notify only from the sequencer, never from a writer's path", async () => {
    // Every notifying commit queues behind every other on the server: only the sequencer, in its
    // own transaction, may announce.
    const notifying = await db.query<{ proname: string }>(
      `select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname not in ('pg_catalog', 'information_schema') and p.prosrc ~* 'pg_notify'
       order by 1`,
    );
    expect(notifying.map((p) => p.proname)).toEqual(["vault_chain_events"]);
  });

  it("records every committed migration, so a second migrate is a no-op", async () => {
    const before = await db.query<{ n: number }>(
      "select count(*)::int as n from drizzle.__drizzle_migrations",
    );
    await db.operator.migrate();
    const after = await db.query<{ n: number }>(
      "select count(*)::int as n from drizzle.__drizzle_migrations",
    );
    expect(after).toEqual(before);
    expect(before[0]?.n).toBeGreaterThanOrEqual(3);
  });
});
