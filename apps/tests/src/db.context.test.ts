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
