// The request's claims, parsed once: vault_enter keeps what the claims say (company, roles, user)
// with the claims' text, and the claim readers answer from that copy only while the claims are
// that very text. The readers are inlined into the RLS policies, and a caller's own operators and
// functions take no part in them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type RawQuery, type TestDatabase } from "./support/database";
import { ADMIN, seedTenant, type Tenant } from "./support/fixtures";

let db: TestDatabase;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  db = await openTestDatabase();
  a = await seedTenant(db, "A");
  b = await seedTenant(db, "B");
});
afterAll(async () => {
  await db.close();
});

/** What the three claim readers answer, as one row. */
const readers = async (query: RawQuery) =>
  (
    await query<{ company: string | null; admin: boolean; user: string | null }>(
      `select public.current_company_id() as company, public.has_role($1) as admin,
         public.current_user_id() as user`,
      [ADMIN],
    )
  )[0];
const setClaims = (query: RawQuery, claims: unknown) =>
  query("select set_config('request.jwt.claims', $1, true)", [
    typeof claims === "string" ? claims : JSON.stringify(claims),
  ]);
/** Overwrites vault_enter's copy, leaving the claims it is bound to as they are. */
const setCopy = (query: RawQuery, company: string, roles: string, user: string) =>
  query(
    `select set_config('vault.claims_company', $1, true), set_config('vault.claims_roles', $2, true),
       set_config('vault.claims_user', $3, true)`,
    [company, roles, user],
  );

describe("the request's claims", () => {
  it("answer from vault_enter's copy while the claims are the ones it came from, else are parsed", async () => {
    const answers = await db.transaction(async (query) => {
      await query("select public.vault_enter($1, 'authenticated')", [JSON.stringify(a.admin)]);
      const entered = await readers(query);
      // The copy answers, not a parse: another company's copy that goes with these very claims
      // is believed (whoever can set it can set the claims as well).
      await setCopy(query, b.companyId, "{}", b.memberId);
      const copied = await readers(query);
      // Claims set without vault_enter (as PostgREST does): parsed, whatever the copy says.
      await setClaims(query, b.admin);
      await setCopy(query, a.companyId, "{}", a.adminId);
      const parsed = await readers(query);
      // Claims under app_metadata, as Supabase issues them.
      await setClaims(query, {
        sub: b.memberId,
        app_metadata: { company_id: b.companyId, roles: ["reader", ADMIN] },
      });
      const nested = await readers(query);
      await setClaims(query, { sub: "someone", company_id: "not-a-uuid", roles: ADMIN });
      const invalid = await readers(query);
      await setClaims(query, "{not json");
      const malformed = await readers(query);
      return [entered, copied, parsed, nested, invalid, malformed];
    });
    const none = { company: null, admin: false, user: null };
    expect(answers).toEqual([
      { company: a.companyId, admin: true, user: a.adminId },
      { company: b.companyId, admin: false, user: b.memberId },
      { company: b.companyId, admin: true, user: b.adminId },
      { company: b.companyId, admin: true, user: b.memberId },
      none,
      none,
    ]);
  });

  it("keep a role with quotes, commas and braces exactly, and none for claims without an array of roles", async () => {
    const odd = 'a "quoted", {braced} role';
    const answers = await db.transaction(async (query) => {
      await query("select public.vault_enter($1, 'authenticated')", [
        JSON.stringify({ ...a.member, roles: [odd, 7, { role: ADMIN }] }),
      ]);
      const kept = await query<{ odd: boolean; admin: boolean; part: boolean }>(
        "select public.has_role($1) as odd, public.has_role($2) as admin, public.has_role('quoted') as part",
        [odd, ADMIN],
      );
      const without = [];
      // No roles, and roles that are an object: `?` would find an object's keys.
      for (const roles of [undefined, { [ADMIN]: true }]) {
        await query("reset role");
        await query("select public.vault_enter($1, 'authenticated')", [
          JSON.stringify({ ...a.member, roles }),
        ]);
        without.push(await readers(query));
        await setClaims(query, { ...a.member, roles });
        without.push(await readers(query));
      }
      return [kept[0], ...without];
    });
    const member = { company: a.companyId, admin: false, user: a.memberId };
    expect(answers).toEqual([
      { odd: true, admin: false, part: false },
      member,
      member,
      member,
      member,
    ]);
  });

  it("are inlinable STABLE SQL over a parser with an empty search_path", async () => {
    const functions = await db.query<{
      name: string;
      result: string;
      volatile: string;
      language: string;
      config: string[] | null;
    }>(
      `select p.proname as name, pg_get_function_result(p.oid) as result, p.provolatile::text as volatile,
              l.lanname as language, p.proconfig as config
       from pg_proc p join pg_language l on l.oid = p.prolang
       where p.pronamespace = 'public'::regnamespace
         and p.proname in ('current_company_id', 'current_user_id', 'has_role', 'vault_parse_claims')
       order by 1`,
    );
    // The readers have no SET clause, which would stop the planner inlining them; every name in
    // them is schema-qualified instead (the next test shadows them).
    const reader = { volatile: "s", language: "sql", config: null };
    expect(functions).toEqual([
      { name: "current_company_id", result: "uuid", ...reader },
      { name: "current_user_id", result: "uuid", ...reader },
      { name: "has_role", result: "boolean", ...reader },
      {
        name: "vault_parse_claims",
        result: "record",
        volatile: "s",
        language: "plpgsql",
        config: ['search_path=""'],
      },
    ]);
  });

  it("are inlined into the policies, and a caller's own operators and functions take no part", async () => {
    const { answer, plan } = await db.transaction(async (query) => {
      // Operators and functions that would make the copy answer for any claims, first on the path.
      await query("create schema shadow");
      await query(
        "create function shadow.always(text, text) returns boolean language sql immutable as 'select true'",
      );
      await query(
        "create operator shadow.= (leftarg = text, rightarg = text, function = shadow.always)",
      );
      await query(
        "create operator shadow.<> (leftarg = text, rightarg = text, function = shadow.always)",
      );
      await query(
        `create function shadow.current_setting(text, boolean) returns text language sql stable
         as $$ select pg_catalog.current_setting('vault.claims_for', true) $$`,
      );
      await query("grant usage on schema shadow to public");
      await query("select public.vault_enter($1, 'authenticated')", [JSON.stringify(a.admin)]);
      await query("set local search_path = shadow, public, pg_catalog");
      await setClaims(query, b.member);
      const answer = await readers(query);
      const plan = (
        await query<{ "QUERY PLAN": string }>(
          "explain (verbose, costs off) select id from public.connector_credentials",
        )
      )
        .map((row) => row["QUERY PLAN"])
        .join("\n");
      await query("reset role");
      await query("drop schema shadow cascade");
      return { answer, plan };
    });
    expect(answer).toEqual({ company: b.companyId, admin: false, user: b.memberId });
    expect(plan).toContain("vault.claims_for");
    expect(plan).not.toMatch(/current_company_id|has_role/);
  });
});
