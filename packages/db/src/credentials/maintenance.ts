// Operator work on every row, in short keyset-paginated batches: re-encryption under the active
// kid (master-key rotation) and integrity verification. Runs as the connection's own role, which
// must bypass RLS (superuser or BYPASSRLS): it acts for no company.
import {
  checksumKidSql,
  checksumMatchesSql,
  checksumUnderSql,
  encryptSql,
  type Keyring,
  keyringTableSql,
  undecryptable,
  verifiedDecryptSql,
} from "@vibot/crypto";
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../database";
import { queryRows } from "../rows";
import { credentialColumns, storedColumns } from "./metadata";

/** A row that failed, by ids only. */
export interface FailedRow {
  id: string;
  connectorId: string;
  version: number;
  reason: "unknown_key" | "checksum_mismatch" | "undecryptable";
}

export interface BatchResult {
  /** Highest id seen: the next batch starts after it (keyset pagination). */
  lastId: string | undefined;
  scanned: number;
  done: number;
  failed: FailedRow[];
}

const NIL = "00000000-0000-0000-0000-000000000000";
const kidOf = checksumKidSql(sql`c.checksum`);

/** Rows not under the active kid, by kid (what `reencrypt` has to do). */
export async function rowsByKid(db: Database): Promise<{ kid: string; rows: number }[]> {
  return queryRows(
    db,
    sql`select ${kidOf} as kid, count(*)::int as rows from public.connector_credentials c group by 1 order by 1`,
  );
}

/**
 * Re-encrypts up to `limit` rows after `after` that are not under the active kid, in one short
 * transaction. Rows locked by a concurrent rotation or deletion are skipped (SKIP LOCKED) and
 * picked up by a later pass. Each row's checksum is verified before it is decrypted; a failing
 * row is reported and left as it was. `version`, `rotated_at` and `rotated_by` never change.
 * Each re-encrypted row leaves a `reencrypt` event.
 */
export async function reencryptBatch(
  db: Database,
  keyring: Keyring,
  options: { after?: string; limit: number },
): Promise<BatchResult> {
  const active = keyring.active;
  const s = credentialColumns("s");
  const rows = await queryRows<{
    id: string;
    connectorId: string;
    version: number;
    kidKnown: boolean;
    updated: boolean;
  }>(
    db,
    sql`with batch as (
        select c.id, c.company_id, c.connector_id, c.version, k.kid is not null as kid_known,
          ${verifiedDecryptSql(storedColumns, "k")} as plaintext
        from public.connector_credentials c
        left join ${keyringTableSql(keyring, "k")} on k.kid = ${kidOf}
        where c.id > ${options.after ?? NIL}::uuid and ${kidOf} <> ${active.kid}
        order by c.id limit ${options.limit}
        for update of c skip locked
      ), s as (
        select id, company_id, connector_id, version, ${encryptSql(sql`plaintext`, active)} as secret_ciphertext
        from batch where plaintext is not null
        offset 0
      ), updated as (
        update public.connector_credentials c
        set secret_ciphertext = s.secret_ciphertext, checksum = ${checksumUnderSql(s, active)}
        from s where c.id = s.id
        returning c.id, c.company_id, c.connector_id, c.version
      ), events as (
        -- One reencrypt event per row, in the same transaction (the audit ledger; no actor).
        select public.vault_append_event(u.company_id, u.connector_id, u.id, u.version, 'reencrypt',
          null, null) as id
        from updated u
      )
      select b.id, b.connector_id as "connectorId", b.version, b.kid_known as "kidKnown",
        exists (select 1 from updated u where u.id = b.id) as updated,
        (select count(*) from events) as recorded
      from batch b order by b.id`,
  );
  return {
    lastId: rows.at(-1)?.id,
    scanned: rows.length,
    done: rows.filter((r) => r.updated).length,
    failed: rows
      .filter((r) => !r.updated)
      .map((r) => ({
        id: r.id,
        connectorId: r.connectorId,
        version: r.version,
        reason: r.kidKnown ? "checksum_mismatch" : "unknown_key",
      })),
  };
}

type VerifyRow = {
  id: string;
  connectorId: string;
  version: number;
  kidKnown: boolean;
  checksumOk: boolean;
};

/** Rows with key and checksum verdicts; computes no decryption, so it cannot fail part-way. */
const checksumVerdicts = (keyring: Keyring, range: SQL) =>
  sql`select c.id, c.connector_id as "connectorId", c.version, k.kid is not null as "kidKnown",
      ${checksumMatchesSql(storedColumns, "k")} as "checksumOk"
    from public.connector_credentials c
    left join ${keyringTableSql(keyring, "k")} on k.kid = ${kidOf}
    where ${range} order by c.id`;

/**
 * Decrypts the verified rows of `range` inside an aggregate, so that a refusal by pgcrypto fails
 * the statement before any row is sent; true when every one of them decrypts.
 */
async function allDecrypt(db: Database, keyring: Keyring, range: SQL): Promise<boolean> {
  try {
    await queryRows(
      db,
      sql`select count(octet_length(${verifiedDecryptSql(storedColumns, "k")})) as n
        from public.connector_credentials c
        left join ${keyringTableSql(keyring, "k")} on k.kid = ${kidOf}
        where ${range}`,
    );
    return true;
  } catch (error) {
    if (undecryptable(error)) return false;
    throw error;
  }
}

/**
 * Verifies up to `limit` rows after `after`: the checksum under the row's kid, then that the row
 * decrypts (the plaintext never leaves the database). Undecryptable rows are found one by one.
 */
export async function verifyBatch(
  db: Database,
  keyring: Keyring,
  options: { after?: string; limit: number },
): Promise<BatchResult> {
  const after = options.after ?? NIL;
  const rows = await queryRows<VerifyRow>(
    db,
    sql`${checksumVerdicts(keyring, sql`c.id > ${after}::uuid`)} limit ${options.limit}`,
  );
  const lastId = rows.at(-1)?.id;
  const failed: FailedRow[] = [];
  const undecryptable = new Set<string>();
  if (
    lastId &&
    !(await allDecrypt(db, keyring, sql`c.id > ${after}::uuid and c.id <= ${lastId}::uuid`))
  ) {
    for (const row of rows.filter((r) => r.kidKnown && r.checksumOk)) {
      if (!(await allDecrypt(db, keyring, sql`c.id = ${row.id}::uuid`))) undecryptable.add(row.id);
    }
  }
  for (const r of rows) {
    const reason = !r.kidKnown
      ? "unknown_key"
      : !r.checksumOk
        ? "checksum_mismatch"
        : undecryptable.has(r.id)
          ? "undecryptable"
          : undefined;
    if (reason) failed.push({ id: r.id, connectorId: r.connectorId, version: r.version, reason });
  }
  return { lastId, scanned: rows.length, done: rows.length - failed.length, failed };
}
