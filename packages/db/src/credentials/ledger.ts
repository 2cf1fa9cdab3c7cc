// The audit ledger's operations: the sequencer's chaining step, the company's events for
// GET /v1/audit, and the operator's prune. Events themselves are written by the operations they
// record, in the same transaction (read.ts, write.ts; the recorder, sql/functions/vault_record_events.sql).
import type { Keyring } from "@vibot/crypto";
import { sql } from "drizzle-orm";
import type { Database } from "../database";
import type { Operation } from "../operation";
import { queryRows } from "../rows";
import {
  type AuditAction,
  type ChangeAction,
  changeActions,
} from "../schema/connector-credential-events";
import { isoOf } from "./metadata";

export interface AuditEvent {
  /** Orders events (audit cursors). A decimal string (a bigint). */
  id: string;
  connectorId: string | null;
  credentialId: string | null;
  version: number | null;
  action: AuditAction;
  actor: string | null;
  requestId: string | null;
  /** ISO 8601, UTC. */
  occurredAt: string;
}

/**
 * The advisory lock that lets one sequencer at a time chain the ledger: the number
 * sql/functions/vault_chain_events.sql takes (a test holds the two equal).
 */
export const CHAIN_LOCK_KEY = "7368207346913720435";

/** Events the sequencer chains per statement: a batch costs about 15-30 µs an event (0013). */
export const CHAIN_BATCH = 1000;

/**
 * Seals and chains up to `batch` committed, unchained events under the active ledger key, after
 * the database checked every ledger key against its registered check value and verified the head;
 * resolves to how many, or to -1 when another sequencer holds the chain (nothing done; try again
 * later). When the batch holds a change, its last position is announced on the change feed at
 * commit. Runs as the login's own role: service_role may not chain.
 */
export function chainEventsOperation(keyring: Keyring, batch = CHAIN_BATCH): Operation<number> {
  const { kids, keys } = keyring.ledger.toParameters();
  return {
    role: "authenticator",
    body: {
      statements: [
        sql`select public.vault_chain_events(${kids}, ${keys}, ${batch}::int) as chained`,
      ],
    },
    interpret: ([rows = []]) => Number((rows[0] as { chained?: number } | undefined)?.chained ?? 0),
  };
}

export interface AuditQuery {
  connectorId?: string | undefined;
  action?: AuditAction | undefined;
  since?: Date | undefined;
  /** Events older than this id (the previous page's last). */
  before?: string | undefined;
  limit: number;
}

type RawEvent = Omit<AuditEvent, "id" | "occurredAt"> & {
  id: string | number | bigint;
  occurredAt: Date | string;
};

/** The caller's company's events (RLS), newest first, one page and whether more follow. */
export function listEventsOperation(
  query: AuditQuery,
): Operation<{ events: AuditEvent[]; more: boolean }> {
  const where = [
    query.connectorId ? sql`and e.connector_id = ${query.connectorId}::uuid` : sql``,
    query.action ? sql`and e.action = ${query.action}` : sql``,
    query.since ? sql`and e.occurred_at >= ${query.since.toISOString()}::timestamptz` : sql``,
    query.before ? sql`and e.id < ${query.before}::bigint` : sql``,
  ];
  return {
    role: "authenticated",
    body: {
      statements: [
        sql`select e.id::text as id, e.connector_id as "connectorId", e.credential_id as "credentialId",
          e.version, e.action, e.actor, e.request_id as "requestId", e.occurred_at as "occurredAt"
          from public.connector_credential_events e
          where true ${sql.join(where, sql` `)}
          order by e.id desc limit ${query.limit + 1}`,
      ],
    },
    interpret([rows = []]) {
      const page = (rows as unknown as RawEvent[]).map((row) => ({
        ...row,
        id: String(row.id),
        occurredAt: isoOf(row.occurredAt),
      }));
      return { events: page.slice(0, query.limit), more: page.length > query.limit };
    },
  };
}

/**
 * The operator's documented prune: deletes the chained events up to the last position that
 * occurred before `before`, a prefix of the chain, and records where it cut (with that position's
 * MAC) so the first remaining event stays anchored; how many went. Unchained events stay.
 */
export async function pruneEvents(db: Database, before: Date): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`with cut as (
        select chain_seq, chain_mac from public.connector_credential_events
        where chain_seq = (select max(chain_seq) from public.connector_credential_events
          where occurred_at < ${before.toISOString()}::timestamptz and chain_seq is not null)
      ), recorded as (
        insert into public.ledger_prunes (through_seq, chain_mac)
        select chain_seq, chain_mac from cut on conflict do nothing returning 1
      ), d as (
        delete from public.connector_credential_events
        where chain_seq <= (select chain_seq from cut) returning 1
      )
      select count(*)::int as n from d`,
  );
  return row?.n ?? 0;
}

/** The change feed's channel: the sequencer announces there the position it chained up to. */
export const CHANGE_FEED_CHANNEL = "connector_credential_events";

/** The change actions, as SQL: the same list that the company's change index is filtered on. */
const CHANGE_ACTIONS = sql`(${sql.raw(changeActions.map((a) => `'${a}'`).join(", "))})`;

/** A chained change event of the ledger, as the realtime stream publishes and replays it. */
export interface LedgerChange {
  id: string;
  /** Its chain position (a decimal string): the stream's order and ids. */
  chain_seq: string;
  action: ChangeAction;
  company_id: string;
  connector_id: string;
  credential_id: string;
  version: number;
  occurred_at: string | Date;
  /** When the version was written (its rotate or rollback event), if the ledger still has it. */
  rotated_at: string | Date | null;
  rotated_by: string | null;
  /**
   * A lifecycle event's sealed detail: the version's stages before and after (`pending>current`),
   * or a reminder's expiry (ISO 8601).
   */
  detail: string | null;
}

/** Change events chained after position `after`, in chain order (the caller's RLS applies). */
function changesAfter(after: string, limit: number, company = sql``) {
  return sql`select e.id::text as id, e.chain_seq::text as chain_seq, e.action, e.company_id,
      e.connector_id, e.credential_id, e.version, e.occurred_at,
      w.occurred_at as rotated_at, w.actor as rotated_by, e.detail
    from public.connector_credential_events e
    left join lateral public.vault_version_written(e.company_id, e.credential_id) w on true
    where ${company} e.chain_seq > ${after}::bigint and e.action in ${CHANGE_ACTIONS}
    order by e.chain_seq limit ${limit}`;
}

/** The caller's company's change events chained after position `after` (RLS), in chain order. */
export function changesSinceOperation(after: string, limit = 1000): Operation<LedgerChange[]> {
  return {
    role: "authenticated",
    // Spelled out (RLS says the same) so that the company's change index serves the replay.
    body: {
      statements: [
        changesAfter(after, limit, sql`e.company_id = (select public.current_company_id()) and`),
      ],
    },
    interpret: ([rows = []]) => rows as unknown as LedgerChange[],
  };
}

/**
 * Whether a replay may start after chain position `after`: the caller's company's change event at
 * that position still exists (not pruned) and is younger than `maxAgeMs`. Otherwise the stream
 * sends `reset` instead of replaying.
 */
export function replayableOperation(after: string, maxAgeMs: number): Operation<boolean> {
  return {
    role: "authenticated",
    body: {
      statements: [
        sql`select e.occurred_at >= now() - make_interval(secs => ${maxAgeMs / 1000}::float8) as fresh
          from public.connector_credential_events e
          where e.company_id = (select public.current_company_id())
            and e.chain_seq = ${after}::bigint and e.action in ${CHANGE_ACTIONS}`,
      ],
    },
    interpret: ([rows = []]) => (rows[0] as { fresh?: boolean } | undefined)?.fresh === true,
  };
}

/**
 * Every company's change events chained after position `after`, in chain order: what the realtime
 * hub publishes, each to its own company's subscribers (trusted server code, as service_role).
 */
export function chainedChangesOperation(after: string, limit = 1000): Operation<LedgerChange[]> {
  return {
    role: "service_role",
    body: { statements: [changesAfter(after, limit)] },
    interpret: ([rows = []]) => rows as unknown as LedgerChange[],
  };
}

/**
 * The last chain position (0 when nothing is chained yet), verified under the ledger keys before
 * it is trusted: where a new publisher starts.
 */
export function chainHeadOperation(keyring: Keyring): Operation<string> {
  const { kids, keys } = keyring.ledger.toParameters();
  return {
    role: "authenticator",
    body: {
      statements: [
        sql`select h.seq::text as head from public.vault_chain_head(${kids}, ${keys}) h`,
      ],
    },
    interpret: ([rows = []]) => String((rows[0] as { head?: string } | undefined)?.head ?? "0"),
  };
}
