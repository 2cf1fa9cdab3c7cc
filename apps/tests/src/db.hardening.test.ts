// The database's own defences: the write guard fails closed, pgcrypto is never reached through a
// role's search path, the API's login is least-privileged, and the key canary refuses a wrong key.
import { randomUUID } from "node:crypto";
import { Keyring } from "@vibot/crypto";
import { leastPrivilegeProblem, sessionPrivileges, verifyKeyring } from "@vibot/db";
import { describe, expect, it } from "vitest";
import { engine } from "./support/database";
import { credentialRows } from "./support/fixtures";
import { K1, K2, keyringJson } from "./support/keys";
import { sqlState } from "./support/roles";
import { a, api, b, db, rotations, token, useApiSuite } from "./support/suite";

useApiSuite();

describe("the write guard fails closed", () => {
  it("checks a role that merely inherits service_role's grants", async () => {
    // Under RLS through authenticated, with claims naming A but a subject who is no user of A:
    // only the guard stands between it and A's rows.
    const role = `inheritor_${randomUUID().slice(0, 8)}`;
    await db.query(`create role ${role} nologin inherit in role service_role, authenticated`);
    const claims = { ...a.admin, sub: b.adminId };
    let state: string | undefined;
    try {
      state = await sqlState(
        db.transaction(async (query) => {
          await query("select set_config('request.jwt.claims', $1, true)", [
            JSON.stringify(claims),
          ]);
          await query(`set local role ${role}`);
          await query("delete from connector_credentials where company_id = $1", [a.companyId]);
        }),
      );
    } finally {
      // Roles are cluster-wide: leave none behind.
      await db.query(`drop role ${role}`);
    }
    expect(state).toBe("42501");
    expect((await credentialRows(db, a.connectorId)).length).toBeGreaterThan(0);
  });
});

describe("pgcrypto is never reached through a role's search path", () => {
  it("gives no key to a same-named function in a schema named after the role", async () => {
    // PostgreSQL's default path; the embedded engine's session starts with `public` alone.
    if (engine === "pglite") await db.query(`set search_path = "$user", public`);
    await db.query("create table public.captured (key text)");
    await db.query("create schema service_role");
    await db.query("grant usage on schema service_role to service_role, authenticated");
    for (const [name, args] of [
      ["pgp_sym_encrypt", "d text, k text, o text"],
      ["pgp_sym_decrypt", "d bytea, k text"],
    ] as const) {
      await db.query(
        `create function service_role.${name}(${args}) returns ${name.endsWith("encrypt") ? "bytea" : "text"}
         language plpgsql security definer as $$ begin insert into public.captured values (k); return null; end $$`,
      );
    }
    // Control: the shadow is what an unqualified call finds first as service_role.
    await db.transaction(async (query) => {
      await query("set local role service_role");
      await query("select pgp_sym_encrypt('x', 'control-key', '')");
    });
    expect(await db.query("select key from public.captured")).toEqual([{ key: "control-key" }]);
    await db.query("delete from public.captured");

    const written = await api.request("POST", rotations(a), {
      token: token,
      body: { secret: "s2" },
    });
    expect(written.status, written.text).toBe(201);
    const rolledBack = await api.request("POST", `${rotations(a)}/rollback`, {
      token: token,
      body: { version: 1 },
    });
    expect(rolledBack.status, rolledBack.text).toBe(201);
    expect(await db.query("select key from public.captured")).toEqual([]);
  });
});

describe.runIf(engine === "postgres")("least privilege", () => {
  it("finds the API's login fit, and refuses a superuser naming the fix", async () => {
    expect(leastPrivilegeProblem(await sessionPrivileges(db.handle))).toBeUndefined();
    const problem = leastPrivilegeProblem(await sessionPrivileges(db.operator));
    expect(problem).toMatch(/superuser.*NOINHERIT IN ROLE authenticator/);
  });
});

describe("the key canary", () => {
  it("refuses a keyring whose key for a known kid differs, naming the kid", async () => {
    await verifyKeyring(db.handle, await Keyring.fromJson(keyringJson("k1", { k1: K1 })));
    const before = await db.query("select kid, check_value from keyring_checks order by kid");
    const swapped = await Keyring.fromJson(keyringJson("k1", { k1: K2 }));
    await expect(verifyKeyring(db.handle, swapped)).rejects.toThrow(/"k1"/);
    expect(await db.query("select kid, check_value from keyring_checks order by kid")).toEqual(
      before,
    );
  });
});
