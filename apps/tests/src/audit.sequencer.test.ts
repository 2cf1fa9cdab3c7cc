// The sequencer's statements on a ledger that grew under it. A server session keeps the plans of a
// function's statements for its lifetime, re-planning only when something invalidates them (an
// ANALYZE, which autovacuum may never run); plans made while the ledger was nearly empty scan it
// whole. The sequencer plans its three ledger statements at each batch, so that however small the
// ledger was when its session began, a batch reads the ledger through its indexes. The change
// feed's page of changes, a prepared statement of the hub's session, is held to the same.
import {
  chainedChangesOperation,
  connectPostgres,
  type DatabaseHandle,
  type Operation,
  verifyKeyring,
  writeCredentialVersionOperation,
} from "@vibot/db";
import { type SQL, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engine, openTestDatabase, type TestDatabase } from "./support/database";
import { seedTenant, type Tenant } from "./support/fixtures";
import { testKeyring } from "./support/keys";

type Row = Record<string, unknown>;

/** Events already in the ledger, chained (as the bench's filler: positions below the chain's). */
const FILLER = 50_000;

describe("the sequencer on a ledger that grew since its session began", () => {
  let db: TestDatabase;
  let tenant: Tenant;
  /** One server session: the plans a chaining step reuses are this session's. */
  let session: DatabaseHandle;

  beforeAll(async () => {
    db = await openTestDatabase();
    tenant = await seedTenant(db);
    // Registers the keyring's ledger key, as the API does when it starts.
    await verifyKeyring(db.handle, await testKeyring());
    session =
      engine === "postgres"
        ? connectPostgres(db.childEnv.DATABASE_URL ?? "", { max: 1 })
        : db.handle;
  });
  afterAll(async () => {
    if (session !== db?.handle) await session?.close();
    await db?.close();
  });

  /** How a statement read the ledger, counted in its own transaction. */
  async function counted<T>(
    statement: SQL,
    role: Operation<unknown>["role"],
    read: (row?: Row) => T,
  ) {
    const operation: Operation<{ result: T; seqScans: number; indexScans: number }> = {
      role,
      body: {
        statements: [
          statement,
          sql`select seq_scan::int as "seqScans", idx_scan::int as "indexScans"
            from pg_catalog.pg_stat_xact_user_tables where relname = 'connector_credential_events'`,
        ],
      },
      interpret: ([rows = [], scans = []]) => ({
        result: read(rows[0]),
        seqScans: Number(scans[0]?.seqScans),
        indexScans: Number(scans[0]?.indexScans),
      }),
    };
    return session.run({}, operation);
  }

  /** One chaining step: how many it chained, and how it read the ledger. */
  async function chainCounted() {
    const { kids, keys } = (await testKeyring()).ledger.toParameters();
    const step = await counted(
      sql`select public.vault_chain_events(${kids}, ${keys}, 1000) as chained`,
      "authenticator",
      (row) => Number(row?.chained),
    );
    return { ...step, chained: step.result };
  }

  /** One page of the change feed after position 0, as the hub publishes it. */
  async function feedCounted() {
    const [page] = (chainedChangesOperation("0", 1000).body as { statements: SQL[] }).statements;
    if (!page) throw new Error("the feed's operation has no statement");
    return counted(page, "service_role", () => undefined);
  }

  const rotate = async (secret: string) =>
    db.handle.run(
      tenant.admin,
      writeCredentialVersionOperation(await testKeyring(), {
        connectorId: tenant.connectorId,
        secretJson: JSON.stringify({ apiKey: secret }),
        rotatedBy: tenant.adminId,
        maxVersions: 10,
      }),
    );

  it("chains, and pages the change feed, through the ledger's indexes, however small the ledger was at first", async () => {
    // Plans made while the ledger holds one event (and, for the statements with arguments, the
    // generic plan the session settles on after five custom ones).
    await rotate("first");
    expect((await chainCounted()).chained).toBe(1);
    for (let i = 0; i < 6; i++) expect((await chainCounted()).chained).toBe(0);
    for (let i = 0; i < 7; i++) await feedCounted();

    await db.transaction(async (query) => {
      await query("set local session_replication_role = replica");
      await query(
        `insert into connector_credential_events (company_id, action, seal, chain_seq, chain_mac)
        select $1, 'read', 'filler', -g, 'filler' from generate_series(1, ${FILLER}) g`,
        [tenant.companyId],
      );
    });
    await rotate("second");

    const step = await chainCounted();
    expect(step.chained).toBe(1);
    expect(step.indexScans).toBeGreaterThan(0);
    expect(step.seqScans).toBe(0);
    // The hub's page of changes is a prepared statement of the session: its plan holds too.
    const feed = await feedCounted();
    expect(feed.indexScans).toBeGreaterThan(0);
    expect(feed.seqScans).toBe(0);
  });
});
