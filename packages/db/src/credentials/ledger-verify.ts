// Verifies the audit ledger (operator): every event's seal under its kid's audit key (a changed
// event, or one inserted without the key, fails), and the chain, position by position (an event
// removed from the middle breaks it). The first remaining event anchors a pruned chain.
import type { Keyring } from "@vibot/crypto";
import { keyringTableSql } from "@vibot/crypto";
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../client";
import { queryRows } from "../rows";

export interface FailedEvent {
  id: string;
  reason:
    | "event_unknown_key"
    | "event_seal_mismatch"
    | "event_missing_before"
    | "event_chain_broken";
}

export interface LedgerReport {
  scanned: number;
  chained: number;
  failed: FailedEvent[];
}

type Verdict = {
  id: string;
  seq: string | null;
  mac: string | null;
  kidKnown: boolean;
  sealOk: boolean;
  contiguous: boolean;
  chainOk: boolean;
};

const sealOf = (k: string) =>
  sql`public.vault_event_seal(e.id, e.company_id, e.connector_id, e.credential_id, e.version,
    e.action, e.actor, e.request_id, e.occurred_at, ${sql.identifier(k)}.kid, ${sql.identifier(k)}.audit)`;

/** Seal and chain verdicts of one batch (`rows` selects events aliased e, with prev_seq/prev_mac). */
function verdicts(keyring: Keyring, rows: SQL) {
  return sql`select e.id::text as id, e.chain_seq::text as seq, e.chain_mac as mac,
      ks.kid is not null as "kidKnown",
      coalesce(e.seal = ${sealOf("ks")}, false) as "sealOk",
      (e.chain_seq is null or e.prev_seq is null or e.chain_seq = e.prev_seq + 1) as contiguous,
      (e.chain_seq is null or (e.prev_seq is null and e.chain_seq > 1) or coalesce(e.chain_mac =
        'hmac-sha256:' || kc.kid || ':' || encode(public.vault_hmac(convert_to(
          coalesce(e.prev_mac, '') || '|' || e.chain_seq || '|' || e.seal, 'UTF8'), kc.audit, 'sha256'), 'hex'),
        false)) as "chainOk"
    from (${rows}) e
    left join ${keyringTableSql(keyring, "ks")} on ks.kid = split_part(e.seal, ':', 2)
    left join ${keyringTableSql(keyring, "kc")} on kc.kid = split_part(e.chain_mac, ':', 2)
    order by e.chain_seq nulls last, e.id`;
}

function failuresOf(rows: Verdict[]): FailedEvent[] {
  return rows.flatMap((r): FailedEvent[] => {
    if (!r.kidKnown) return [{ id: r.id, reason: "event_unknown_key" }];
    if (!r.sealOk) return [{ id: r.id, reason: "event_seal_mismatch" }];
    if (!r.contiguous) return [{ id: r.id, reason: "event_missing_before" }];
    if (!r.chainOk) return [{ id: r.id, reason: "event_chain_broken" }];
    return [];
  });
}

/** Scans the whole ledger in batches of `batch` chain positions, then the unchained events. */
export async function verifyLedger(
  db: Database,
  keyring: Keyring,
  batch = 5_000,
): Promise<LedgerReport> {
  const report: LedgerReport = { scanned: 0, chained: 0, failed: [] };
  let prev: { seq: string; mac: string } | undefined;
  for (;;) {
    const after = prev ? sql`${prev.seq}::bigint` : sql`0`;
    const rows = await queryRows<Verdict>(
      db,
      verdicts(
        keyring,
        sql`select x.*, coalesce(lag(x.chain_seq) over w, ${prev ? sql`${prev.seq}::bigint` : sql`null::bigint`}) as prev_seq,
            coalesce(lag(x.chain_mac) over w, ${prev ? sql`${prev.mac}::text` : sql`null::text`}) as prev_mac
          from (select * from public.connector_credential_events
            where chain_seq > ${after} order by chain_seq limit ${batch}) x
          window w as (order by x.chain_seq)`,
      ),
    );
    const last = rows.at(-1);
    if (!last?.seq || !last.mac) break;
    report.scanned += rows.length;
    report.chained += rows.length;
    report.failed.push(...failuresOf(rows));
    prev = { seq: last.seq, mac: last.mac };
  }
  const unchained = await queryRows<Verdict>(
    db,
    verdicts(
      keyring,
      sql`select x.*, null::bigint as prev_seq, null::text as prev_mac
        from public.connector_credential_events x where x.chain_seq is null`,
    ),
  );
  report.scanned += unchained.length;
  report.failed.push(...failuresOf(unchained));
  return report;
}
