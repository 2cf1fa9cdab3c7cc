// The request-context transaction, and the metadata-only change feed.
import {
  connectPostgres,
  type DatabaseHandle,
  type RequestRole,
  withRequestContext,
} from "@vibot/db";
import { queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engine, openTestDatabase, type TestDatabase } from "./support/database";
import { seedTenant, type Tenant } from "./support/fixtures";
import { serverUrl } from "./support/urls";

let db: TestDatabase;
let a: Tenant;
/** A single-connection handle, so that "the next request on this connection" is well defined. */
let single: DatabaseHandle;

beforeAll(async () => {
  db = await openTestDatabase();
  a = await seedTenant(db);
  single =
    engine === "postgres" && db.name ? connectPostgres(serverUrl(db.name), { max: 1 }) : db.handle;
});
afterAll(async () => {
  if (single !== db.handle) await single.close();
  await db.close();
});

const whoAmI = sql`select current_user as "user", nullif(current_setting('request.jwt.claims', true), '') as claims`;

describe("withRequestContext", () => {
  it("runs the work as the given role with the claims, and nothing outlives the transaction", async () => {
    const inside = await withRequestContext(
      single.db,
      { claims: a.admin, role: "authenticated" },
      (tx) => queryRows(tx, whoAmI),
    );
    expect(inside).toEqual([{ user: "authenticated", claims: JSON.stringify(a.admin) }]);
    expect(await queryRows(single.db, whoAmI)).toEqual([{ user: "postgres", claims: null }]);
  });

  it("leaves nothing behind when the work fails", async () => {
    await expect(
      withRequestContext(single.db, { claims: a.admin, role: "service_role" }, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await queryRows(single.db, whoAmI)).toEqual([{ user: "postgres", claims: null }]);
  });

  it("refuses any role outside the allow-list", async () => {
    await expect(
      withRequestContext(
        db.handle.db,
        { claims: {}, role: "postgres" as RequestRole },
        async () => 1,
      ),
    ).rejects.toThrow("unsupported request role");
  });

  it("passes the claims as a bound parameter, so hostile claim text is just data", async () => {
    const hostile = { ...a.admin, email: "x'); drop table connector_credentials; --" };
    await withRequestContext(
      db.handle.db,
      { claims: hostile, role: "authenticated" },
      async () => undefined,
    );
    expect(
      await db.query("select to_regclass('public.connector_credentials') is not null as present"),
    ).toEqual([{ present: true }]);
  });
});

describe("the change-feed trigger", () => {
  const insertRow = `insert into connector_credentials (company_id, connector_id, version, secret_ciphertext, checksum, rotated_by)
    values ($1, $2, $3, '\\xdeadbeef'::bytea, 'hmac-sha256:k1:feedface', $4)`;

  it("sends metadata only, and nothing for a rolled-back transaction", async () => {
    const payloads: string[] = [];
    const unlisten = await db.handle.listen("connector_credentials", (p) => payloads.push(p));
    await db
      .transaction(async (q) => {
        await q(insertRow, [a.companyId, a.connectorId, 1, a.adminId]);
        throw new Error("roll back");
      })
      .catch(() => undefined);
    await db.query(insertRow, [a.companyId, a.connectorId, 2, a.adminId]);
    await db.query("delete from connector_credentials where connector_id = $1", [a.connectorId]);
    await expect.poll(() => payloads.length, { timeout: 3000 }).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await unlisten();

    expect(payloads).toHaveLength(2);
    const [inserted, deleted] = payloads.map((p) => JSON.parse(p));
    expect(inserted.op).toBe("INSERT");
    expect(inserted.new).toMatchObject({
      company_id: a.companyId,
      connector_id: a.connectorId,
      version: 2,
      rotated_by: a.adminId,
    });
    expect(Object.keys(inserted.new).sort()).toEqual([
      "company_id",
      "connector_id",
      "id",
      "rotated_at",
      "rotated_by",
      "version",
    ]);
    expect(inserted.old).toEqual({});
    expect(deleted.op).toBe("DELETE");
    expect(deleted.new).toEqual({});
    expect(deleted.old.version).toBe(2);
    for (const payload of payloads) {
      expect(payload).not.toMatch(/deadbeef|feedface|checksum|ciphertext/i);
    }
  });
});
