// Verifies the audit ledger (operator): every sealed event's seal under the key its seal names (a
// changed event fails), the chain position by position (an event removed or inserted breaks it),
// a chain that starts after position 1 only where an operator's prune says so (a prefix removed
// any other way fails), and, given an earlier checkpoint, that the chain still extends it (the
// newest events removed fail). Events sealed by the ledger's own keys name them (`ledger-v2:`);
// events sealed before the ledger had keys of its own name the data kid whose audit key sealed
// them (`hmac-sha256:`), and need that data key in the keyring.
import type { Keyring } from "@vibot/crypto";
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../database";
import { queryRows } from "../rows";

export interface FailedEvent {
  id: string;
  reason:
    | "event_unknown_key"
    | "event_seal_mismatch"
    | "event_missing_before"
    | "event_chain_broken";
}

/** A chain position and its MAC, kept outside the database to prove the ledger still extends it. */
export interface Checkpoint {
  seq: string;
  mac: string;
}

export interface LedgerReport {
  scanned: number;
  chained: number;
  failed: FailedEvent[];
  /** The last chained position and its MAC (null: nothing chained). */
  checkpoint: Checkpoint | null;
  /** Given a checkpoint: whether the ledger still extends it, or a prune removed it. */
  extendsCheckpoint?: "yes" | "no" | "pruned";
  /** Events committed over a minute ago and still unchained: the sequencer is not running. */
  stalled: { count: number; oldest: string | null };
}

/** `<seq>@<mac>`: what `pnpm verify-integrity` prints and `--checkpoint` takes. */
export const formatCheckpoint = (c: Checkpoint) => `${c.seq}@${c.mac}`;

/** The checkpoint a text names, or undefined when it is not one. */
export function parseCheckpoint(text: string): Checkpoint | undefined {
  const match =
    /^([1-9][0-9]{0,18})@((?:ledger-v2|hmac-sha256):[A-Za-z0-9_.-]{1,32}:[0-9a-f]{64})$/.exec(text);
  return match?.[1] && match[2] ? { seq: match[1], mac: match[2] } : undefined;
}

type Verdict = {
  id: string;
  seq: string | null;
  mac: string | null;
  sealed: boolean;
  kidKnown: boolean;
  sealOk: boolean;
  contiguous: boolean;
  chainOk: boolean;
};

/** Every key that may have sealed an event: `format`, `kid`, `key` (bound parameters). */
function ledgerKeyTable(keyring: Keyring) {
  const keys = [
    ...keyring.ledger.keys.map((k) => ({
      format: "ledger-v2",
      kid: k.kid,
      key: k.macKey.toString("hex"),
    })),
    ...keyring.keys.map((k) => ({
      format: "hmac-sha256",
      kid: k.kid,
      key: k.auditKey.toString("hex"),
    })),
  ];
  return sql`(select format, kid, decode(key, 'hex') as key
    from jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) as k(format text, kid text, key text))`;
}

/** The seal an event should carry under key row `k`, in the format the key belongs to. */
const expectedSeal = sql`case ks.format
  when 'ledger-v2' then public.vault_ledger_seal(row(e.id, e.company_id, e.connector_id,
    e.credential_id, e.version, e.action, e.actor, e.request_id, e.occurred_at, e.seal,
    e.chain_seq, e.chain_mac, e.detail)::public.connector_credential_events, ks.kid, ks.key)
  else public.vault_event_seal(e.id, e.company_id, e.connector_id, e.credential_id, e.version,
    e.action, e.actor, e.request_id, e.occurred_at, ks.kid, ks.key) end`;

/** Seal and chain verdicts of one batch (`rows` selects events aliased e, with prev_seq/prev_mac). */
function verdicts(keyring: Keyring, rows: SQL) {
  return sql`select e.id::text as id, e.chain_seq::text as seq, e.chain_mac as mac,
      e.seal is not null as sealed,
      ks.kid is not null as "kidKnown",
      coalesce(e.seal = ${expectedSeal}, false) as "sealOk",
      (e.chain_seq is null or e.prev_seq is null or e.chain_seq = e.prev_seq + 1) as contiguous,
      (e.chain_seq is null or coalesce(e.chain_mac = split_part(e.chain_mac, ':', 1) || ':' ||
        kc.kid || ':' || encode(public.vault_hmac(convert_to(
          e.prev_mac || '|' || e.chain_seq || '|' || e.seal, 'UTF8'), kc.key, 'sha256'), 'hex'),
        false)) as "chainOk"
    from (select x.id, x.company_id, x.connector_id, x.credential_id, x.version, x.action,
        x.actor, x.request_id, x.occurred_at, x.seal, x.chain_seq, x.chain_mac, x.detail,
        x.prev_seq, x.prev_mac from (${rows}) x) e
    left join ${ledgerKeyTable(keyring)} ks
      on ks.format = split_part(e.seal, ':', 1) and ks.kid = split_part(e.seal, ':', 2)
    left join ${ledgerKeyTable(keyring)} kc
      on kc.format = split_part(e.chain_mac, ':', 1) and kc.kid = split_part(e.chain_mac, ':', 2)
    order by e.chain_seq nulls last, e.id`;
}

function failuresOf(rows: Verdict[]): FailedEvent[] {
  return rows.flatMap((r): FailedEvent[] => {
    if (!r.sealed) return [];
    if (!r.kidKnown) return [{ id: r.id, reason: "event_unknown_key" }];
    if (!r.sealOk) return [{ id: r.id, reason: "event_seal_mismatch" }];
    if (!r.contiguous) return [{ id: r.id, reason: "event_missing_before" }];
    if (!r.chainOk) return [{ id: r.id, reason: "event_chain_broken" }];
    return [];
  });
}

/**
 * The MAC the first chained event links from: none at position 1, else the MAC recorded by the
 * operator's prune through the position before it (none: a prefix was removed unrecorded).
 */
const anchorMac = sql`case when x.chain_seq = 1 then ''
  else (select p.chain_mac from public.ledger_prunes p where p.through_seq = x.chain_seq - 1) end`;

/** Whether the ledger extends `checkpoint`: its position still holds its MAC, or a prune took it. */
async function extendsCheckpoint(
  db: Database,
  checkpoint: Checkpoint,
): Promise<"yes" | "no" | "pruned"> {
  const [row] = await queryRows<{ mac: string | null; pruned: boolean }>(
    db,
    sql`select (select chain_mac from public.connector_credential_events
        where chain_seq = ${checkpoint.seq}::bigint) as mac,
      exists (select 1 from public.ledger_prunes where through_seq >= ${checkpoint.seq}::bigint) as pruned`,
  );
  if (row?.mac === checkpoint.mac) return "yes";
  if (row?.mac == null && row?.pruned) return "pruned";
  return "no";
}

/** Scans the whole ledger in batches of `batch` chain positions, then the unchained events. */
export async function verifyLedger(
  db: Database,
  keyring: Keyring,
  options: { batch?: number; checkpoint?: Checkpoint } = {},
): Promise<LedgerReport> {
  const batch = options.batch ?? 5_000;
  const report: LedgerReport = {
    scanned: 0,
    chained: 0,
    failed: [],
    checkpoint: null,
    stalled: { count: 0, oldest: null },
  };
  let prev: Checkpoint | undefined;
  for (;;) {
    const after = prev ? sql`${prev.seq}::bigint` : sql`0`;
    const rows = await queryRows<Verdict>(
      db,
      verdicts(
        keyring,
        sql`select x.*, coalesce(lag(x.chain_seq) over w, ${prev ? sql`${prev.seq}::bigint` : sql`null::bigint`}) as prev_seq,
            coalesce(lag(x.chain_mac) over w, ${prev ? sql`${prev.mac}::text` : anchorMac}) as prev_mac
          from (select * from public.connector_credential_events
            where chain_seq > ${after} order by chain_seq limit ${batch}) x
          window w as (order by x.chain_seq)`,
      ),
    );
    const last = rows.at(-1);
    if (!last?.seq || !last.mac) break;
    report.scanned += rows.length;
    report.chained += rows.length;
    report.failed.push(
      ...failuresOf(rows).map((f) =>
        // The first event of an unanchored chain: a prefix was removed outside a prune.
        !prev && f.id === rows[0]?.id && f.reason === "event_chain_broken" && rows[0]?.seq !== "1"
          ? { ...f, reason: "event_missing_before" as const }
          : f,
      ),
    );
    prev = { seq: last.seq, mac: last.mac };
  }
  report.checkpoint = prev ?? null;
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
  const [stalled] = await queryRows<{ count: number; oldest: string | null }>(
    db,
    sql`select count(*)::int as count, min(occurred_at)::text as oldest
      from public.connector_credential_events
      where chain_seq is null and occurred_at < now() - interval '1 minute'`,
  );
  report.stalled = stalled ?? report.stalled;
  if (options.checkpoint)
    report.extendsCheckpoint = await extendsCheckpoint(db, options.checkpoint);
  return report;
}
