// Audited reads of the same moment commit together on PostgreSQL: one WAL flush for several read
// events. Each read still runs under its own claims: two companies' reads share transactions here,
// and each gets its own answer and its own event. The batching rules are tested on a stand-in.
import { randomUUID } from "node:crypto";
import { DatabaseUnavailableError, MAX_READ_BATCH, readCredentialOperation } from "@vibot/db";
import { CommitBatcher, type DoorCall } from "@vibot/db/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { tokenFor } from "./support/api";
import { engine } from "./support/database";
import type { Tenant } from "./support/fixtures";
import { a, api, b, db, rotations, token, useApiSuite } from "./support/suite";

useApiSuite();

const SECRETS = { A: "original", B: "b-secret" };
let tokenB: string;

beforeAll(async () => {
  tokenB = await tokenFor(b.admin);
  const written = await api.request("POST", rotations(b), {
    token: tokenB,
    body: { secret: { apiKey: SECRETS.B } },
  });
  expect(written.status, written.text).toBe(201);
});

type EventRow = { request_id: string; company_id: string; actor: string; tx: string };
const eventsOf = (prefix: string) =>
  db.query<EventRow>(
    "select request_id, company_id, actor, xmin::text as tx from connector_credential_events where request_id like $1",
    [`${prefix}%`],
  );

describe("audited reads committed together", () => {
  it("commits the reads of one moment in shared transactions, each under its own claims", async () => {
    const prefix = `batch-${randomUUID()}-`;
    const tenantOf = (i: number): [Tenant, keyof typeof SECRETS] => (i % 2 ? [b, "B"] : [a, "A"]);
    const reads = Array.from({ length: 16 }, (_, i) => {
      const [tenant] = tenantOf(i);
      return db.handle.run(
        tenant.admin,
        readCredentialOperation(api.keyring, tenant.connectorId, undefined, {
          requestId: `${prefix}${i}`,
          reads: true,
        }),
      );
    });
    const results = await Promise.all(reads);
    results.forEach((credential, i) => {
      const [tenant, name] = tenantOf(i);
      expect(credential.companyId).toBe(tenant.companyId);
      expect(JSON.parse(credential.secretJson)).toEqual({ apiKey: SECRETS[name] });
    });
    const events = await eventsOf(prefix);
    expect(events).toHaveLength(16);
    for (const event of events) {
      const [tenant] = tenantOf(Number(event.request_id.slice(prefix.length)));
      expect([event.company_id, event.actor]).toEqual([tenant.companyId, tenant.adminId]);
    }
    // On PostgreSQL reads of one moment share a transaction; embedded PGlite runs each alone.
    const transactions = new Set(events.map((e) => e.tx)).size;
    if (engine === "postgres") expect(transactions).toBeLessThanOrEqual(4);
    else expect(transactions).toBe(16);
  });

  it("gives a member's read in a shared transaction nothing, although an admin's read precedes it", async () => {
    const prefix = `member-${randomUUID()}-`;
    const asks = Array.from({ length: 8 }, (_, i) =>
      i % 2 ? { claims: a.member } : { claims: a.admin },
    );
    const outcomes = await Promise.allSettled(
      asks.map(({ claims }, i) =>
        db.handle.run(
          claims,
          readCredentialOperation(api.keyring, a.connectorId, undefined, {
            requestId: `${prefix}${i}`,
            reads: true,
          }),
        ),
      ),
    );
    outcomes.forEach((outcome, i) => {
      if (i % 2)
        expect(outcome).toMatchObject({ status: "rejected", reason: { reason: "not_found" } });
      else expect(outcome.status).toBe("fulfilled");
    });
    const events = await eventsOf(prefix);
    expect(events.map((e) => Number(e.request_id.slice(prefix.length))).sort()).toEqual([
      0, 2, 4, 6,
    ]);
  });

  it("refuses the batched read to a caller already in a request role, which could otherwise enter another company's claims", async () => {
    // A user's own transaction (PostgREST's shape): claims of A, role authenticated. Clearing
    // the role between reads would hand it the login's right to enter any claims, here B's.
    const bClaims = JSON.stringify(b.admin);
    const attempt = db.transaction(async (query) => {
      await query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(a.admin)]);
      await query("set local role authenticated");
      return query(
        `select ordinal, secret_json from public.vault_read_credentials(
          array[$1, $1]::text[], array[$2, $2]::uuid[], array[null, null]::int[],
          array['current', 'current']::text[], 'k1', 'x', 'x', array['x', 'x']::text[], true)`,
        [bClaims, b.connectorId],
      );
    });
    await expect(attempt).rejects.toMatchObject({
      message: expect.stringContaining("only the request door reads in batches"),
    });
  });

  it("answers concurrent HTTP reads of two companies each with its own secret, and the other's connector with 404", async () => {
    const prefix = `http-${randomUUID()}-`;
    const asks = Array.from({ length: 24 }, (_, i) => {
      const own = i % 4 < 2;
      const [reader, readerToken, other] = i % 2 ? [b, tokenB, a] : [a, token, b];
      return { i, reader, readerToken, connector: own ? reader : other, own };
    });
    const answers = await Promise.all(
      asks.map((ask) =>
        api.request("GET", `${rotations(ask.connector)}/current`, {
          token: ask.readerToken,
          headers: { "x-request-id": `${prefix}${ask.i}` },
        }),
      ),
    );
    for (const [n, ask] of asks.entries()) {
      const answer = answers[n];
      if (!ask.own) {
        expect(answer?.status, answer?.text).toBe(404);
        continue;
      }
      expect(answer?.status, answer?.text).toBe(200);
      expect(answer?.body.connectorId).toBe(ask.reader.connectorId);
      expect(answer?.body.secret).toEqual({ apiKey: ask.reader === a ? SECRETS.A : SECRETS.B });
    }
    // One event per answered read, for the reader's company and user; none for a 404.
    const events = await eventsOf(prefix);
    const answered = asks.filter((ask) => ask.own);
    expect(events).toHaveLength(answered.length);
    for (const event of events) {
      const ask = asks[Number(event.request_id.slice(prefix.length))];
      expect(ask?.own).toBe(true);
      expect([event.company_id, event.actor]).toEqual([ask?.reader.companyId, ask?.reader.adminId]);
    }
  });
});

describe("the batching rules", () => {
  const call = (name: string): DoorCall => ({ sql: name, params: [] });
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it("sends the calls of one moment together, at most MAX_READ_BATCH, and a lone call alone", async () => {
    const together: string[][] = [];
    const alone: string[] = [];
    const batcher = new CommitBatcher<DoorCall>({
      send: async (calls) => {
        if (calls.length === 1) alone.push(calls[0]?.sql ?? "");
        else together.push(calls.map((c) => c.sql));
        return calls.map((c) => [{ name: c.sql }]);
      },
      retryAlone: () => true,
    });
    const names = Array.from({ length: MAX_READ_BATCH + 1 }, (_, i) => `r${i}`);
    const rows = await Promise.all(names.map((name) => batcher.run(call(name))));
    expect(rows.map((r) => r[0]?.name)).toEqual(names);
    const last = `r${MAX_READ_BATCH}`;
    expect(together).toEqual([names.slice(0, MAX_READ_BATCH)]);
    expect(alone).toEqual([last]);
    await tick();
    expect(await batcher.run(call("later"))).toEqual([{ name: "later" }]);
    expect(alone).toEqual([last, "later"]);
  });

  it("runs each call of a failed batch again alone, each with its own outcome", async () => {
    const batcher = new CommitBatcher<DoorCall>({
      send: async (calls) => {
        if (calls.length > 1) throw Object.assign(new Error("invalid input"), { code: "22P02" });
        if (calls[0]?.sql === "bad") throw new Error("its own error");
        return [[{ name: calls[0]?.sql }]];
      },
      retryAlone: () => true,
    });
    const [good, bad] = await Promise.allSettled([
      batcher.run(call("good")),
      batcher.run(call("bad")),
    ]);
    expect(good).toEqual({ status: "fulfilled", value: [{ name: "good" }] });
    expect(bad).toMatchObject({ status: "rejected", reason: { message: "its own error" } });
  });

  it("answers every call of the batch with the database's unavailability, without running them again", async () => {
    let alone = 0;
    const batcher = new CommitBatcher<DoorCall>({
      send: async (calls) => {
        if (calls.length === 1) {
          alone++;
          return [[]];
        }
        throw new DatabaseUnavailableError("unreachable");
      },
      retryAlone: (error) => !(error instanceof DatabaseUnavailableError),
    });
    const outcomes = await Promise.allSettled([batcher.run(call("x")), batcher.run(call("y"))]);
    for (const outcome of outcomes)
      expect(outcome).toMatchObject({ status: "rejected", reason: { reason: "unreachable" } });
    expect(alone).toBe(0);
  });
});
