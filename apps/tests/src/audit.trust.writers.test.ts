import { Keyring } from "@vibot/crypto";
import { chainEventsOperation, verifyKeyring } from "@vibot/db";
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
    // An action outside the ledger's list, alone or among others: refused, nothing recorded.
    const before = await eventsOf(a.connectorId);
    for (const odd of [
      `select public.vault_record_event('${a.connectorId}', null, null, 'erase', 'odd')`,
      `select public.vault_record_events(array['${a.connectorId}', '${a.connectorId}']::uuid[], array[null, null]::uuid[], array[1, 1], array['read', 'READ'], 'odd')`,
    ])
      expect(await sqlState(asRole(db, "authenticated", a.admin, (q) => q(odd)))).toBe("23514");
    expect(await eventsOf(a.connectorId)).toEqual(before);
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
