// Benchmark data: a company with an admin, connectors with real encrypted versions to read,
// connectors to rotate, one hot connector, and filler rows up to a million.
import type { Keyring } from "@vibot/crypto";
import type { Database } from "@vibot/db";
import { insertVersionsInBulk, queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";
import type { RequestShape } from "./load";

export const COMPANY = "b0000000-0000-4000-8000-000000000001";
export const ADMIN = "b0000000-0000-4000-8000-000000000002";
export const READ_CONNECTORS = 200;
export const VERSIONS_PER_READ_CONNECTOR = 5;
export const ROTATE_CONNECTORS = 2_000;

/** Deterministic connector ids, so that pgbench can compute them from a number. */
export const readConnector = (n: number) =>
  `c0000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
export const rotateConnector = (n: number) =>
  `d0000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
export const HOT_CONNECTOR = "e0000000-0000-4000-8000-000000000001";

/** 1, 2, …, n: the numbers of the bench's connectors of one kind. */
export const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The current read of a read connector picked at random, with the admin's `auth` headers. */
export const readCurrentRequest = (auth: Record<string, string>): RequestShape => ({
  paths: range(READ_CONNECTORS).map(
    (n) => `/v1/connectors/${readConnector(n)}/credentials/current`,
  ),
  headers: auth,
});

/** A rotation of a rotated connector picked at random, every secret different (`sk_<label>_<n>`). */
export const rotateAcrossRequest = (auth: Record<string, string>, label: string): RequestShape => ({
  method: "POST",
  paths: range(ROTATE_CONNECTORS).map((n) => `/v1/connectors/${rotateConnector(n)}/credentials`),
  headers: { ...auth, "content-type": "application/json" },
  body: `{"secret":{"apiKey":"sk_${label}_%n"}}`,
});

export async function seedBench(db: Database, keyring: Keyring): Promise<void> {
  await queryRows(db, sql`insert into companies (id, name) values (${COMPANY}, 'Bench')`);
  await queryRows(db, sql`insert into users (id, company_id) values (${ADMIN}, ${COMPANY})`);
  await queryRows(
    db,
    sql`insert into integration_connectors (id, company_id, name, provider, last_credential_version)
      select ('c0000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, ${COMPANY}::uuid, 'read ' || n, 'bench', ${VERSIONS_PER_READ_CONNECTOR}::int
      from generate_series(1, ${READ_CONNECTORS}) n
      union all
      select ('d0000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, ${COMPANY}::uuid, 'rotate ' || n, 'bench', 0
      from generate_series(1, ${ROTATE_CONNECTORS}) n
      union all select ${HOT_CONNECTOR}::uuid, ${COMPANY}::uuid, 'hot', 'bench', 0`,
  );
  await insertVersionsInBulk(db, keyring, {
    from: sql`generate_series(1, ${READ_CONNECTORS}) n, generate_series(1, ${VERSIONS_PER_READ_CONNECTOR}) v`,
    companyId: sql`${COMPANY}`,
    connectorId: sql`'c0000000-0000-4000-8000-' || lpad(n::text, 12, '0')`,
    version: sql`v`,
    secretJson: sql`'{"clientId":"bench-' || n || '","clientSecret":"' || md5(n::text || v::text) || '"}'`,
    rotatedBy: sql`${ADMIN}`,
  });
  await queryRows(db, sql`analyze`);
}

/**
 * After a bulk load, what a table of that size looks like in service: vacuumed (hint bits and
 * visibility map set) and analysed, with the load's WAL checkpointed. Else the measurement after
 * it pays for the load itself (autovacuum and a checkpoint running meanwhile), not for the size.
 */
async function settle(db: Database, table: string) {
  await queryRows(db, sql`vacuum (analyze) ${sql.identifier(table)}`);
  await queryRows(db, sql`checkpoint`);
}

/**
 * Adds filler rows (another company, 100 versions per connector) until the table holds `total`.
 * Triggers are off for this bulk load only (session_replication_role): the rows are never read.
 */
export async function fillTo(db: Database, total: number): Promise<number> {
  const [current] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from connector_credentials`,
  );
  const missing = total - (current?.n ?? 0);
  if (missing <= 0) return current?.n ?? 0;
  const connectors = Math.ceil(missing / 100);
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(
      sql`insert into companies (id, name) values ('f0000000-0000-4000-8000-000000000000', 'Filler')`,
    );
    await tx.execute(
      sql`insert into integration_connectors (id, company_id, last_credential_version)
        select ('f0000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'f0000000-0000-4000-8000-000000000000', 100
        from generate_series(1, ${connectors}) n`,
    );
    await tx.execute(
      sql`insert into connector_credentials (company_id, connector_id, version, secret_ciphertext, checksum)
        select 'f0000000-0000-4000-8000-000000000000', ('f0000000-0000-4000-8000-' || lpad((1 + i / 100)::text, 12, '0'))::uuid,
          1 + i % 100, '\\x00'::bytea, 'filler'
        from generate_series(0, ${missing - 1}) i`,
    );
  });
  await settle(db, "connector_credentials");
  const [after] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from connector_credentials`,
  );
  return after?.n ?? 0;
}

/**
 * Adds filler audit events (another company) until the ledger holds `total`. Triggers are off
 * for this bulk load only, and the filler takes negative chain positions so that the sequencer
 * leaves it alone: it exists to make the table large, not to be verified.
 */
export async function fillEventsTo(db: Database, total: number): Promise<number> {
  const count = async () =>
    (
      await queryRows<{ n: number }>(
        db,
        sql`select count(*)::int as n from connector_credential_events`,
      )
    )[0]?.n ?? 0;
  const missing = total - (await count());
  if (missing > 0) {
    await db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(
        sql`insert into companies (id, name) values ('f1000000-0000-4000-8000-000000000000', 'Filler events') on conflict do nothing`,
      );
      await tx.execute(
        sql`insert into connector_credential_events (company_id, action, seal, chain_seq, chain_mac)
          select 'f1000000-0000-4000-8000-000000000000', 'read', 'filler', -g, 'filler'
          from generate_series(1, ${missing}) g`,
      );
    });
    await settle(db, "connector_credential_events");
  }
  return count();
}
