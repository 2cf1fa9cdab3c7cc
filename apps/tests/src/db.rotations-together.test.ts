// Rotations of the same moment commit together on PostgreSQL (the write lane): one statement and
// one WAL flush for several versions and their events. Each write still runs under its own
// claims and gets its own outcome: two companies' rotations share transactions here, a refused
// write among them writes nothing of its own and leaves its neighbours' versions written.
import { randomUUID } from "node:crypto";
import { connectPostgres, writeCredentialVersionOperation } from "@vibot/db";
import { beforeAll, describe, expect, it } from "vitest";
import { engine } from "./support/database";
import type { Tenant } from "./support/fixtures";
import { a, api, b, db, useApiSuite } from "./support/suite";

useApiSuite();

/** `count` new connectors of `tenant` (as the superuser). */
async function connectorsOf(tenant: Tenant, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  for (const id of ids)
    await db.query(
      "insert into integration_connectors (id, company_id, name, provider) values ($1, $2, 'c', 'p')",
      [id, tenant.companyId],
    );
  return ids;
}

type EventRow = { request_id: string; company_id: string; actor: string; tx: string };
const eventsOf = (prefix: string) =>
  db.query<EventRow>(
    "select request_id, company_id, actor, xmin::text as tx from connector_credential_events where request_id like $1 and action = 'rotate'",
    [`${prefix}%`],
  );

const rotate = (tenant: Tenant, claims: Tenant["admin"], connectorId: string, requestId: string) =>
  db.handle.run(
    claims,
    writeCredentialVersionOperation(
      api.keyring,
      {
        connectorId,
        secretJson: JSON.stringify({ apiKey: requestId }),
        rotatedBy: tenant.adminId,
        maxVersions: 10,
      },
      { requestId, reads: true },
    ),
  );

describe("rotations committed together", () => {
  let ofA: string[];
  let ofB: string[];
  beforeAll(async () => {
    ofA = await connectorsOf(a, 8);
    ofB = await connectorsOf(b, 8);
  });

  it("writes every rotation of one moment under its own claims, each version and event its company's", async () => {
    const prefix = `together-${randomUUID()}-`;
    const asks = [...ofA.map((id) => ({ tenant: a, id })), ...ofB.map((id) => ({ tenant: b, id }))];
    const written = await Promise.all(
      asks.map(({ tenant, id }, i) => rotate(tenant, tenant.admin, id, `${prefix}${i}`)),
    );
    written.forEach((version, i) => {
      expect(version.companyId).toBe(asks[i]?.tenant.companyId);
      expect(version.connectorId).toBe(asks[i]?.id);
      expect(version.version).toBe(1);
    });
    const events = await eventsOf(prefix);
    expect(events).toHaveLength(asks.length);
    for (const event of events) {
      const ask = asks[Number(event.request_id.slice(prefix.length))];
      expect([event.company_id, event.actor]).toEqual([ask?.tenant.companyId, ask?.tenant.adminId]);
    }
    // Each secret is its own request's, under its own connector.
    const secrets = await Promise.all(
      asks.map(({ tenant, id }) =>
        db
          .query<{ secret: string }>(
            "select pgp_sym_decrypt(secret_ciphertext, $2) as secret from connector_credentials where connector_id = $1",
            [id, api.keyring.active.encryptionKey],
          )
          .then((rows) => ({ tenant, rows })),
      ),
    );
    secrets.forEach(({ rows }, i) => {
      expect(rows.map((r) => JSON.parse(r.secret))).toEqual([{ apiKey: `${prefix}${i}` }]);
    });
    // On PostgreSQL rotations of one moment share a transaction; embedded PGlite runs each alone.
    const transactions = new Set(events.map((e) => e.tx)).size;
    if (engine === "postgres") expect(transactions).toBeLessThan(asks.length / 2);
    else expect(transactions).toBe(asks.length);
  });

  it("refuses a member's rotation among admins' of the same moment, and writes the admins' rotations", async () => {
    const prefix = `member-${randomUUID()}-`;
    const ids = await connectorsOf(a, 6);
    const outcomes = await Promise.allSettled(
      ids.map((id, i) => rotate(a, i === 3 ? a.member : a.admin, id, `${prefix}${i}`)),
    );
    outcomes.forEach((outcome, i) => {
      if (i === 3) expect(outcome.status).toBe("rejected");
      else expect(outcome).toMatchObject({ status: "fulfilled", value: { version: 1 } });
    });
    const versions = await db.query<{ connector_id: string }>(
      "select connector_id from connector_credentials where connector_id = any($1::uuid[])",
      [ids],
    );
    expect(versions.map((v) => v.connector_id).sort()).toEqual(
      ids.filter((_, i) => i !== 3).sort(),
    );
    const [counter] = await db.query<{ last: number }>(
      "select last_credential_version as last from integration_connectors where id = $1",
      [ids[3]],
    );
    expect(counter?.last).toBe(0);
  });

  it("answers a rotation of another company's connector, sent among the owner's, as not found and changes nothing of it", async () => {
    const prefix = `cross-${randomUUID()}-`;
    const ids = await connectorsOf(a, 4);
    const outcomes = await Promise.allSettled(
      ids.map((id, i) =>
        i === 1 ? rotate(b, b.admin, id, `${prefix}${i}`) : rotate(a, a.admin, id, `${prefix}${i}`),
      ),
    );
    expect(outcomes[1]).toMatchObject({ status: "rejected", reason: { reason: "not_found" } });
    const rows = await db.query<{ n: number }>(
      "select count(*)::int as n from connector_credentials where connector_id = $1",
      [ids[1]],
    );
    expect(rows[0]?.n).toBe(0);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(3);
  });

  it("refuses the batched write to a caller already in a request role, which could otherwise enter another company's claims", async () => {
    // An admin of A in its own transaction (PostgREST's shape) asks to write B's connector under
    // B's claims: clearing the role between writes would hand it the login's right to enter them.
    const attempt = db.transaction(async (query) => {
      await query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(a.admin)]);
      await query("set local role authenticated");
      return query(
        `select ordinal, outcome from public.vault_write_versions(
          array[$1]::text[], array[$2]::uuid[], array['{}']::text[], array[null]::int[],
          array[null]::int[], array[$3]::uuid[], 10, array['current']::text[],
          array[null]::timestamptz[], 'k1', 'k1', 'x', 'x', array['x']::text[], true)`,
        [JSON.stringify(b.admin), b.connectorId, b.adminId],
      );
    });
    await expect(attempt).rejects.toMatchObject({
      message: expect.stringContaining("only the request door writes in batches"),
    });
    const rows = await db.query<{ n: number }>(
      "select count(*)::int as n from connector_credentials where connector_id = $1",
      [b.connectorId],
    );
    expect(rows[0]?.n).toBe(0);
  });

  it.runIf(engine === "postgres")("logs a rotation once, as the statement it sends", async () => {
    const logged: string[] = [];
    const handle = connectPostgres(db.childEnv.DATABASE_URL ?? "", {
      logger: { logQuery: (query) => logged.push(query) },
    });
    try {
      const [id = ""] = await connectorsOf(a, 1);
      await handle.run(
        a.admin,
        writeCredentialVersionOperation(api.keyring, {
          connectorId: id,
          secretJson: '{"apiKey":"logged"}',
          rotatedBy: a.adminId,
          maxVersions: 10,
        }),
      );
    } finally {
      await handle.close();
    }
    expect(logged.filter((query) => query.includes("public.vault_write_version"))).toHaveLength(1);
  });

  it.runIf(engine === "postgres")(
    "writes the others of its moment while one connector is locked elsewhere, and that one once the lock goes",
    async () => {
      const prefix = `locked-${randomUUID()}-`;
      const [locked = "", ...others] = await connectorsOf(a, 6);
      let lockedWrite: Promise<unknown> = Promise.resolve();
      // Another transaction holds the connector's row until the others have answered.
      const outcomes = await db.transaction(async (query) => {
        await query("select id from integration_connectors where id = $1 for update", [locked]);
        lockedWrite = rotate(a, a.admin, locked, `${prefix}locked`);
        return Promise.allSettled(others.map((id, i) => rotate(a, a.admin, id, `${prefix}${i}`)));
      });
      for (const outcome of outcomes)
        expect(outcome).toMatchObject({ status: "fulfilled", value: { version: 1 } });
      await expect(lockedWrite).resolves.toMatchObject({ connectorId: locked, version: 1 });
    },
  );
});
