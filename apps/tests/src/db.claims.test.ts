// The company's claim: vault_enter keeps the company the claims name with the claims' text, and
// current_company_id() answers from that copy only while the claims are that very text. The
// function is inlined into the RLS policies, and a caller's own operators take no part in it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type RawQuery, type TestDatabase } from "./support/database";
import { seedTenant, type Tenant } from "./support/fixtures";

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

const company = async (query: RawQuery) =>
  (await query<{ company: string | null }>("select public.current_company_id() as company"))[0]
    ?.company;
const setClaims = (query: RawQuery, claims: unknown) =>
  query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);

describe("the company's claim", () => {
  it("answers from vault_enter's copy while the claims are the ones it came from, else parses them", async () => {
    const answers = await db.transaction(async (query) => {
      await query("select public.vault_enter($1, 'authenticated')", [JSON.stringify(a.admin)]);
      const entered = await company(query);
      // The copy answers, not a parse: a copy of another company that goes with these very
      // claims is believed (whoever can set it can set the claims as well).
      await query("select set_config('vault.claims_company', $1, true)", [b.companyId]);
      const copied = await company(query);
      // Claims set without vault_enter (as PostgREST does): parsed, whatever the copy says.
      await setClaims(query, b.admin);
      await query("select set_config('vault.claims_company', $1, true)", [a.companyId]);
      const parsed = await company(query);
      await setClaims(query, { ...a.admin, company_id: "not-a-uuid" });
      const invalid = await company(query);
      return [entered, copied, parsed, invalid];
    });
    expect(answers).toEqual([a.companyId, b.companyId, b.companyId, null]);
  });

  it("is inlined into the policies, and a caller's own operators and functions take no part", async () => {
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
         as $$ select pg_catalog.current_setting('vault.claims_company_for', true) $$`,
      );
      await query("grant usage on schema shadow to public");
      await query("select public.vault_enter($1, 'authenticated')", [JSON.stringify(a.admin)]);
      await query("set local search_path = shadow, public, pg_catalog");
      await setClaims(query, b.admin);
      const answer = await company(query);
      const plan = (
        await query<{ "QUERY PLAN": string }>(
          "explain (verbose, costs off) select id from public.integration_connectors",
        )
      )
        .map((row) => row["QUERY PLAN"])
        .join("\n");
      await query("reset role");
      await query("drop schema shadow cascade");
      return { answer, plan };
    });
    expect(answer).toBe(b.companyId);
    expect(plan).toContain("vault.claims_company_for");
    expect(plan).not.toContain("current_company_id");
  });
});
