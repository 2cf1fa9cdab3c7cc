// The ledger under hostile tenants and operators' mistakes: no API or tenant role writes or
// chains event rows, the sequencer chains only under the registered ledger key, the README's
// data-key rotation leaves every event verifiable, and checkpoints expose a ledger cut short.
import { randomUUID } from "node:crypto";
import { reencryptAll } from "@vibot/api/commands/reencrypt";
import { Keyring } from "@vibot/crypto";
import { chainEventsOperation, pruneEvents, verifyKeyring, verifyLedger } from "@vibot/db";
import { describe, expect, it } from "vitest";
import { tokenFor } from "./support/api";
import { K1, K2, keyringJson } from "./support/keys";
import { chain, eventsOf, freshConnector, path } from "./support/ledger";
import { asRole, sqlState } from "./support/roles";
import { a, api, b, db, token, useApiSuite } from "./support/suite";

useApiSuite();

const INSUFFICIENT_PRIVILEGE = "42501";
const MAX_BIGINT = "9223372036854775807";

const forgedRow = (companyId: string, id: string, seq: string) =>
  `insert into connector_credential_events (id, company_id, action, seal, chain_seq, chain_mac)
   values (${id}, '${companyId}', 'rotate', 'ledger-v2:l1:00', ${seq}, 'ledger-v2:l1:00')`;

describe("only the recorder writes events", () => {
  for (const role of ["authenticated", "service_role"] as const) {
    it(`refuses a direct INSERT of any event row as ${role} with an admin's claims`, async () => {
      const attempts = [
        forgedRow(a.companyId, MAX_BIGINT, MAX_BIGINT),
        forgedRow(a.companyId, "-1", "1"),
        `insert into connector_credential_events (company_id, action) values ('${a.companyId}', 'read')`,
      ];
      for (const statement of attempts) {
        expect(await sqlState(asRole(db, role, a.admin, (q) => q(statement)))).toBe(
          INSUFFICIENT_PRIVILEGE,
        );
      }
      expect(
        await sqlState(
          asRole(db, role, a.admin, (q) =>
            q("select nextval('connector_credential_events_id_seq')"),
          ),
        ),
      ).toBe(INSUFFICIENT_PRIVILEGE);
      expect(
        await db.query(
          `select count(*)::int as n from connector_credential_events where id < 0 or chain_seq = ${MAX_BIGINT}`,
        ),
      ).toEqual([{ n: 0 }]);
    });

    it(`refuses the operator's recorder, which takes company and actor as arguments, to ${role}`, async () => {
      const call = `select public.vault_append_event('${b.companyId}', '${b.connectorId}', null, 1, 'destroy', '${b.adminId}', 'x')`;
      expect(await sqlState(asRole(db, role, a.admin, (q) => q(call)))).toBe(
        INSUFFICIENT_PRIVILEGE,
      );
    });
  }

  it("records a direct call of the recorder for the caller's own company and sub only, unsealed and unchained", async () => {
    const c = await freshConnector();
    const [row] = await asRole(db, "authenticated", a.admin, (q) =>
      q<{ id: string }>(
        `select public.vault_record_event('${c}', null, null, 'read', 'direct')::text as id`,
      ),
    );
    const [event] = await db.query<Record<string, unknown>>(
      "select company_id, actor, seal, chain_seq, chain_mac from connector_credential_events where id = $1",
      [row?.id],
    );
    expect(event).toEqual({
      company_id: a.companyId,
      actor: a.adminId,
      seal: null,
      chain_seq: null,
      chain_mac: null,
    });
    // Another company's connector, or a caller who is not an admin: refused.
    const other = `select public.vault_record_event('${b.connectorId}', null, null, 'rotate', 'x')`;
    expect(await sqlState(asRole(db, "authenticated", a.admin, (q) => q(other)))).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    const many = `select public.vault_record_events(array['${a.connectorId}', '${b.connectorId}']::uuid[], array[null, null]::uuid[], array[1, 1], array['read', 'read'], 'x')`;
    expect(await sqlState(asRole(db, "authenticated", a.admin, (q) => q(many)))).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    const own = `select public.vault_record_event('${a.connectorId}', null, null, 'read', 'x')`;
    expect(await sqlState(asRole(db, "authenticated", a.member, (q) => q(own)))).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
  });

  it("keeps the audit listing and the chain of another company working after an admin's attempts", async () => {
    await sqlState(
      asRole(db, "authenticated", a.admin, (q) => q(forgedRow(a.companyId, "-1", MAX_BIGINT))),
    );
    const rotated = await api.request("POST", `/v1/connectors/${b.connectorId}/credentials`, {
      token: await tokenFor(b.admin),
      body: { secret: "b-after" },
    });
    expect(rotated.status, rotated.text).toBe(201);
    expect(await chain()).toBeGreaterThan(0);
    const audit = await api.request("GET", "/v1/audit?limit=500", { token });
    expect(audit.status, audit.text).toBe(200);
  });
});

describe("only the sequencer's path chains, under the registered ledger key", () => {
  for (const role of ["authenticated", "service_role"] as const) {
    it(`refuses ${role} the sequencer, the chain head and key registration`, async () => {
      const { kids, keys } = api.keyring.ledger.toParameters();
      for (const call of [
        `select public.vault_chain_events('${kids}', '${keys}', 10)`,
        `select * from public.vault_chain_head('${kids}', '${keys}')`,
        `select * from public.vault_register_keys('[]'::jsonb, '[{"kid":"l9","check_value":"00"}]'::jsonb)`,
        `insert into keyring_checks (kid, check_value) values ('k9', '00')`,
        `insert into ledger_keys (kid, check_value) values ('l9', '00')`,
      ]) {
        expect(await sqlState(asRole(db, role, a.admin, (q) => q(call))), call).toBe(
          INSUFFICIENT_PRIVILEGE,
        );
      }
    });
  }

  it("refuses to chain under a ledger key that is not the registered one, chaining nothing", async () => {
    const c = await freshConnector();
    expect((await api.request("POST", path(c), { token, body: { secret: "w" } })).status).toBe(201);
    const wrong = await Keyring.fromJson(
      keyringJson("k1", { k1: K1 }, { active: "l1", keys: { l1: K2 } }),
    );
    await expect(db.handle.run({}, chainEventsOperation(wrong))).rejects.toThrow(
      /not the registered one/,
    );
    const [event] = await eventsOf(c);
    expect(
      await db.query("select chain_seq from connector_credential_events where id = $1", [
        event?.id,
      ]),
    ).toEqual([{ chain_seq: null }]);
    // A keyring whose ledger key differs is refused at start, naming the kid.
    await expect(verifyKeyring(db.handle, wrong)).rejects.toThrow(/ledger key of kid "l1"/);
  });
});

describe("the README's data-key rotation", () => {
  it("leaves every event sealed before it verifiable, and a change to one detected, after k1 is retired", async () => {
    const c = await freshConnector();
    for (const secret of ["before-1", "before-2"])
      expect((await api.request("POST", path(c), { token, body: { secret } })).status).toBe(201);
    expect((await api.request("GET", `${path(c)}/current`, { token })).status).toBe(200);
    await chain();
    // 1. add k2, 2. activate it, 3. re-encrypt, 4. verify, 5. retire k1.
    const both = await Keyring.fromJson(keyringJson("k2", { k1: K1, k2: K2 }));
    await verifyKeyring(db.handle, both);
    const report = await reencryptAll(db.operator.db, both);
    expect(report.failed).toEqual([]);
    await db.handle.run({}, chainEventsOperation(both));
    expect((await verifyLedger(db.operator.db, both)).failed).toEqual([]);
    const retired = await Keyring.fromJson(keyringJson("k2", { k2: K2 }));
    await verifyKeyring(db.handle, retired);

    const after = await verifyLedger(db.operator.db, retired);
    expect(after.failed).toEqual([]);
    expect(after.chained).toBeGreaterThan(4);
    const [first] = await eventsOf(c);
    await db.transaction(async (q) => {
      await q("set local session_replication_role = replica");
      await q("update connector_credential_events set request_id = 'rewritten' where id = $1", [
        first?.id,
      ]);
    });
    expect((await verifyLedger(db.operator.db, retired)).failed).toEqual([
      { id: first?.id, reason: "event_seal_mismatch" },
    ]);
    await db.transaction(async (q) => {
      await q("set local session_replication_role = replica");
      await q("update connector_credential_events set request_id = $2 where id = $1", [
        first?.id,
        first?.request_id,
      ]);
    });
  });
});

describe("checkpoints, prunes and a stalled chain", () => {
  const asSuperuser = (statement: string, params: unknown[] = []) =>
    db.transaction(async (q) => {
      await q("set local session_replication_role = replica");
      await q(statement, params);
    });

  it("detects the newest events removed after a checkpoint was taken", async () => {
    const c = await freshConnector();
    for (const secret of ["n1", "n2", "n3"])
      expect((await api.request("POST", path(c), { token, body: { secret } })).status).toBe(201);
    await chain();
    const taken = await verifyLedger(db.operator.db, api.keyring);
    expect(taken.failed).toEqual([]);
    const checkpoint = taken.checkpoint;
    if (!checkpoint) throw new Error("expected a checkpoint");
    expect(
      (await verifyLedger(db.operator.db, api.keyring, { checkpoint })).extendsCheckpoint,
    ).toBe("yes");

    const newest = await db.query<{ id: string }>(
      "select id::text from connector_credential_events where chain_seq > $1::bigint - 2 and chain_seq is not null",
      [checkpoint.seq],
    );
    await asSuperuser(
      "delete from connector_credential_events where chain_seq > $1::bigint - 2 and chain_seq is not null",
      [checkpoint.seq],
    );
    expect(newest.length).toBe(2);
    const cut = await verifyLedger(db.operator.db, api.keyring, { checkpoint });
    expect(cut.failed).toEqual([]);
    expect(cut.extendsCheckpoint).toBe("no");
  });

  it("detects a prefix removed outside the operator's prune, and accepts the prune's", async () => {
    const [first] = await db.query<{ id: string }>(
      "select id::text from connector_credential_events where chain_seq is not null order by chain_seq limit 1",
    );
    await asSuperuser(
      "delete from connector_credential_events where chain_seq = (select min(chain_seq) from connector_credential_events)",
    );
    const cut = await verifyLedger(db.operator.db, api.keyring);
    expect(first).toBeDefined();
    expect(cut.failed.map((f) => f.reason)).toEqual(["event_missing_before"]);

    // The operator's prune records where it cut: the chain stays anchored and keeps growing.
    const pruned = await pruneEvents(db.operator.db, new Date(Date.now() + 60_000));
    expect(pruned).toBeGreaterThan(0);
    const c = await freshConnector();
    expect((await api.request("POST", path(c), { token, body: { secret: "p" } })).status).toBe(201);
    expect(await chain()).toBeGreaterThan(0);
    expect((await verifyLedger(db.operator.db, api.keyring)).failed).toEqual([]);
  });

  it("reports events unchained for over a minute, with their count", async () => {
    const before = await verifyLedger(db.operator.db, api.keyring);
    expect(before.stalled.count).toBe(0);
    const c = await freshConnector();
    for (const secret of ["s1", "s2"])
      expect((await api.request("POST", path(c), { token, body: { secret } })).status).toBe(201);
    await asSuperuser(
      "update connector_credential_events set occurred_at = now() - interval '2 minutes' where connector_id = $1",
      [c],
    );
    const stalled = await verifyLedger(db.operator.db, api.keyring);
    expect(stalled.stalled.count).toBe(2);
    await chain();
    expect((await verifyLedger(db.operator.db, api.keyring)).stalled.count).toBe(0);
  });
});

describe("hostile dates", () => {
  it("answers GET /v1/audit with a since outside 0001-9999 with 400, not 500", async () => {
    for (const since of [
      "0000-01-01T00:00:00Z",
      "10000-01-01T00:00:00Z",
      "-000001-01-01T00:00:00Z",
    ]) {
      const res = await api.request("GET", `/v1/audit?since=${encodeURIComponent(since)}`, {
        token,
      });
      expect(res.status, res.text).toBe(400);
    }
  });

  it("answers a cursor that is not one of ours with 400", async () => {
    for (const cursor of ["-1", "99999999999999999999", randomUUID()]) {
      const res = await api.request("GET", `/v1/audit?cursor=${cursor}`, { token });
      expect(res.status, res.text).toBe(400);
    }
  });
});
