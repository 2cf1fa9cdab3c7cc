// The lanes (PostgreSQL): the one-statement reads of an API process share its few
// DATABASE_READ_CONNECTIONS server connections, and its rotations its DATABASE_WRITE_CONNECTIONS,
// pipelined by postgres.js, however many arrive at once; the pool is left to other work. Each
// connection is a server process competing for the database's cores, so the lanes bound them.
import { randomUUID } from "node:crypto";
import {
  connectPostgres,
  readCredentialOperation,
  writeCredentialVersionOperation,
} from "@vibot/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engine, openTestDatabase, type TestDatabase } from "./support/database";
import { seedTenant, type Tenant } from "./support/fixtures";
import { testKeyring } from "./support/keys";

const APPLICATION = "vibot_read_lane_test";

describe.runIf(engine === "postgres")("the lanes", () => {
  let db: TestDatabase;
  let tenant: Tenant;

  beforeAll(async () => {
    db = await openTestDatabase();
    tenant = await seedTenant(db);
    const written = await db.handle.run(
      tenant.admin,
      writeCredentialVersionOperation(await testKeyring(), {
        connectorId: tenant.connectorId,
        secretJson: '{"apiKey":"lane"}',
        rotatedBy: tenant.adminId,
        maxVersions: 10,
      }),
    );
    expect(written.version).toBe(1);
  });
  afterAll(() => db?.close());

  it("serves 80 concurrent reads, audited or not, on its two connections of a pool of ten", async () => {
    const keyring = await testKeyring();
    const url = new URL(db.childEnv.DATABASE_URL ?? "");
    url.searchParams.set("application_name", APPLICATION);
    const handle = connectPostgres(url.toString(), { max: 10, readConnections: 2 });
    try {
      const reads = (audited: boolean) =>
        Array.from({ length: 40 }, (_, i) =>
          handle.run(
            tenant.admin,
            readCredentialOperation(keyring, tenant.connectorId, undefined, {
              requestId: `lane-${audited}-${i}`,
              reads: audited,
            }),
          ),
        );
      const results = await Promise.all([...reads(false), ...reads(true)]);
      for (const credential of results)
        expect(JSON.parse(credential.secretJson)).toEqual({ apiKey: "lane" });
      const [row] = await db.query<{ connections: number }>(
        "select count(*)::int as connections from pg_stat_activity where application_name = $1",
        [APPLICATION],
      );
      expect(row?.connections).toBeGreaterThan(0);
      expect(row?.connections).toBeLessThanOrEqual(2);
      const events = await db.query(
        "select 1 from connector_credential_events where request_id like 'lane-true-%'",
      );
      expect(events).toHaveLength(40);
      // Unaudited reads go together too (one statement for the reads of a moment), recording nothing.
      const unaudited = await db.query(
        "select 1 from connector_credential_events where request_id like 'lane-false-%'",
      );
      expect(unaudited).toHaveLength(0);
    } finally {
      await handle.close();
    }
  });

  it("writes 40 concurrent rotations of 40 connectors on its one write connection of a pool of ten", async () => {
    const keyring = await testKeyring();
    const url = new URL(db.childEnv.DATABASE_URL ?? "");
    url.searchParams.set("application_name", `${APPLICATION}_writes`);
    const handle = connectPostgres(url.toString(), { max: 10, writeConnections: 1 });
    const connectors = Array.from({ length: 40 }, () => randomUUID());
    for (const id of connectors)
      await db.query(
        "insert into integration_connectors (id, company_id, name, provider) values ($1, $2, 'c', 'p')",
        [id, tenant.companyId],
      );
    try {
      const written = await Promise.all(
        connectors.map((connectorId) =>
          handle.run(
            tenant.admin,
            writeCredentialVersionOperation(keyring, {
              connectorId,
              secretJson: '{"apiKey":"written"}',
              rotatedBy: tenant.adminId,
              maxVersions: 10,
            }),
          ),
        ),
      );
      expect(written.map((w) => w.version)).toEqual(connectors.map(() => 1));
      const [row] = await db.query<{ connections: number }>(
        "select count(*)::int as connections from pg_stat_activity where application_name = $1",
        [`${APPLICATION}_writes`],
      );
      expect(row?.connections).toBe(1);
    } finally {
      await handle.close();
    }
  });
});
