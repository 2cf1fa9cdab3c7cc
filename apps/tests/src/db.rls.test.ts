// Row level security and the in-database guard, exercised as authenticated / service_role.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "./support/database";
import { credentialRows, seedTenant, type Tenant } from "./support/fixtures";
import { asRole, sqlState } from "./support/roles";

let db: TestDatabase;
let a: Tenant;
let b: Tenant;

const insertRow = `insert into connector_credentials (company_id, connector_id, version, secret_ciphertext, checksum, rotated_by)
  values ($1, $2, $3, '\\x00'::bytea, 'test', $4)`;

beforeAll(async () => {
  db = await openTestDatabase();
  a = await seedTenant(db, "A");
  b = await seedTenant(db, "B");
  for (const t of [a, b]) {
    for (const version of [1, 2])
      await db.query(insertRow, [t.companyId, t.connectorId, version, t.adminId]);
  }
});
afterAll(async () => {
  await db.close();
});

const selectAll = "select company_id from connector_credentials";

describe("reads as authenticated", () => {
  it("shows an admin of A only A's rows", async () => {
    const rows = await asRole(db, "authenticated", a.admin, (q) =>
      q<{ company_id: string }>(selectAll),
    );
    expect(rows.map((r) => r.company_id)).toEqual([a.companyId, a.companyId]);
  });

  it("reads roles and company from app_metadata when the top-level claims are absent", async () => {
    const claims = {
      sub: a.adminId,
      app_metadata: { company_id: a.companyId, roles: ["Vibot.admin"] },
    };
    const rows = await asRole(db, "authenticated", claims, (q) => q(selectAll));
    expect(rows).toHaveLength(2);
  });

  it("ignores user_metadata, which users can edit", async () => {
    const claims = {
      sub: a.adminId,
      user_metadata: { company_id: a.companyId, roles: ["Vibot.admin"] },
    };
    expect(await asRole(db, "authenticated", claims, (q) => q(selectAll))).toEqual([]);
  });

  it("shows a non-admin of A nothing", async () => {
    expect(await asRole(db, "authenticated", a.member, (q) => q(selectAll))).toEqual([]);
  });

  it("shows a session without claims nothing, and empty claims are not an error", async () => {
    expect(await asRole(db, "authenticated", null, (q) => q(selectAll))).toEqual([]);
    const empty = await asRole(db, "authenticated", null, (q) =>
      q(
        "select set_config('request.jwt.claims', '', true), current_company_id() as c, has_role('Vibot.admin') as r",
      ),
    );
    expect(empty[0]).toMatchObject({ c: null, r: false });
  });

  it("treats a non-uuid company claim as no company", async () => {
    const claims = { sub: a.adminId, company_id: "not-a-uuid", roles: ["Vibot.admin"] };
    expect(
      await asRole(db, "authenticated", claims, (q) => q("select current_company_id() as c")),
    ).toEqual([{ c: null }]);
  });

  it("denies anon any access", async () => {
    expect(await sqlState(asRole(db, "anon", a.admin, (q) => q(selectAll)))).toBe("42501");
  });
});

describe("writes as authenticated are refused outright", () => {
  it.each([
    ["INSERT", insertRow],
    ["UPDATE", "update connector_credentials set checksum = 'x'"],
    ["DELETE", "delete from connector_credentials"],
  ])("%s by an admin of A is permission denied", async (_, statement) => {
    const params = statement === insertRow ? [a.companyId, a.connectorId, 9, a.adminId] : [];
    expect(await sqlState(asRole(db, "authenticated", a.admin, (q) => q(statement, params)))).toBe(
      "42501",
    );
    expect(await credentialRows(db)).toHaveLength(4);
  });
});

describe("the in-database guard on service_role mutations", () => {
  const attempt = (claims: Record<string, unknown>, statement: string, params: unknown[] = []) =>
    sqlState(asRole(db, "service_role", claims, (q) => q(statement, params)));

  it("rejects claims of another company, and writes nothing", async () => {
    const before = await credentialRows(db);
    expect(await attempt(b.admin, insertRow, [a.companyId, a.connectorId, 7, b.adminId])).toBe(
      "42501",
    );
    expect(
      await attempt(b.admin, "delete from connector_credentials where company_id = $1", [
        a.companyId,
      ]),
    ).toBe("42501");
    expect(
      await attempt(
        b.admin,
        "update connector_credentials set checksum = 'x' where company_id = $1",
        [a.companyId],
      ),
    ).toBe("42501");
    expect(await credentialRows(db)).toEqual(before);
  });

  it("rejects claims without Vibot.admin, and writes nothing", async () => {
    const before = await credentialRows(db);
    expect(await attempt(a.member, insertRow, [a.companyId, a.connectorId, 7, a.memberId])).toBe(
      "42501",
    );
    expect(await attempt(a.member, "delete from connector_credentials")).toBe("42501");
    expect(await credentialRows(db)).toEqual(before);
  });

  it("rejects a token whose subject is not a user of the company", async () => {
    const stranger = { ...a.admin, sub: randomUUID() };
    expect(await attempt(stranger, insertRow, [a.companyId, a.connectorId, 7, null])).toBe("42501");
    expect(
      await attempt({ ...a.admin, sub: b.adminId }, insertRow, [
        a.companyId,
        a.connectorId,
        7,
        null,
      ]),
    ).toBe("42501");
    expect(await credentialRows(db, a.connectorId)).toHaveLength(2);
  });

  it("lets an admin of the company write its own rows (the control case)", async () => {
    await asRole(db, "service_role", a.admin, async (q) => {
      await q(insertRow, [a.companyId, a.connectorId, 3, a.adminId]);
      await q("delete from connector_credentials where connector_id = $1 and version = 3", [
        a.connectorId,
      ]);
    });
    expect(await credentialRows(db, a.connectorId)).toHaveLength(2);
  });
});

describe("integrity constraints", () => {
  it("rejects a credential of A on B's connector (the tenancy key)", async () => {
    expect(await sqlState(db.query(insertRow, [a.companyId, b.connectorId, 5, a.adminId]))).toBe(
      "23503",
    );
  });

  it("rejects a duplicate version and a version below 1", async () => {
    expect(await sqlState(db.query(insertRow, [a.companyId, a.connectorId, 1, a.adminId]))).toBe(
      "23505",
    );
    expect(await sqlState(db.query(insertRow, [a.companyId, a.connectorId, 0, a.adminId]))).toBe(
      "23514",
    );
  });

  it("removes a company's connectors and credentials when the company is deleted", async () => {
    const c = await seedTenant(db, "C");
    await db.query(insertRow, [c.companyId, c.connectorId, 1, c.adminId]);
    await db.query("delete from companies where id = $1", [c.companyId]);
    expect(
      await db.query("select 1 from integration_connectors where company_id = $1", [c.companyId]),
    ).toEqual([]);
    expect(await credentialRows(db, c.connectorId)).toEqual([]);
  });
});
