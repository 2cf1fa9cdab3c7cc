// The sequencer's statements on a ledger that grew under it. A server session keeps the plans of a
// function's statements for its lifetime, re-planning only when something invalidates them (an
// ANALYZE, which autovacuum may never run); plans made while the ledger was nearly empty scan it
// whole. The sequencer plans its three ledger statements at each batch, so that however small the
// ledger was when its session began, a batch reads the ledger through its indexes.
import {
  connectPostgres,
  type DatabaseHandle,
  type Operation,
  verifyKeyring,
  writeCredentialVersionOperation,
} from "@vibot/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engine, openTestDatabase, type TestDatabase } from "./support/database";
import { seedTenant, type Tenant } from "./support/fixtures";
import { testKeyring } from "./support/keys";

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

  /** One chaining step, and how the ledger was read in its transaction. */
  async function chainCounted() {
    const { kids, keys } = (await testKeyring()).ledger.toParameters();
    const operation: Operation<{ chained: number; seqScans: number; indexScans: number }> = {
      role: "authenticator",
      body: {
        statements: [
          sql`select public.vault_chain_events(${kids}, ${keys}, 1000) as chained`,
          sql`select seq_scan::int as "seqScans", idx_scan::int as "indexScans"
            from pg_catalog.pg_stat_xact_user_tables where relname = 'connector_credential_events'`,
        ],
      },
      interpret: ([chained = [], scans = []]) => ({
        chained: Number(chained[0]?.chained),
        seqScans: Number(scans[0]?.seqScans),
        indexScans: Number(scans[0]?.indexScans),
      }),
    };
    return session.run({}, operation);
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

  it("chains through the ledger's indexes, however small the ledger was when it first chained", async () => {
    // Plans made while the ledger holds one event (and, for the statements with arguments, the
    // generic plan the session settles on after five custom ones).
    await rotate("first");
    expect((await chainCounted()).chained).toBe(1);
    for (let i = 0; i < 6; i++) expect((await chainCounted()).chained).toBe(0);

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
  });
});
