// The bench and the audit ledger: waiting for the sequencer to catch up between steps, and the
// ledger's writes taken out for the "without the ledger" rounds.
import type { Database } from "@vibot/db";
import { queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";
import type { Variant } from "./load";

/**
 * Waits until the API's sequencer has chained every committed event (at most `timeoutMs`), so
 * that a measurement pays for chaining its own events, not a backlog left by the step before it
 * (a batch read of 100 records 100 read events a request, far more than the sequencer chains
 * while it runs). Resolves to the backlog found and how long it took to chain.
 */
export async function ledgerChained(
  db: Database,
  timeoutMs = 600_000,
): Promise<{ backlog: number; seconds: number }> {
  const unchained = async () =>
    (
      await queryRows<{ n: number }>(
        db,
        sql`select count(*)::int as n from connector_credential_events where chain_seq is null`,
      )
    )[0]?.n ?? 0;
  const started = Date.now();
  const backlog = await unchained();
  while ((await unchained()) > 0) {
    if (Date.now() - started > timeoutMs) throw new Error("the sequencer did not catch up");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { backlog, seconds: (Date.now() - started) / 1000 };
}

/** A function replaced for a variant: its signature, and the definition that replaces it. */
export interface Replacement {
  signature: string;
  definition: string;
}

/** The recorders, each replaced by a no-op in the "without the ledger" rounds. */
const RECORDERS: Replacement[] = [
  {
    signature: "public.vault_record_event(uuid, uuid, integer, text, text)",
    definition: `create or replace function public.vault_record_event(connector uuid, credential uuid,
      version integer, action text, request_id text) returns bigint language sql
      as 'select 0::bigint'`,
  },
  {
    // A write records its own event and its pruned versions' in one call of this one.
    signature: "public.vault_record_events(uuid[], uuid[], integer[], text[], text)",
    definition: `create or replace function public.vault_record_events(connectors uuid[],
      credentials uuid[], versions integer[], actions text[], request_id text) returns integer
      language sql as 'select 0'`,
  },
];

/**
 * Functions replaced (as the operator, in the bench's own database) while the variant is entered,
 * their definitions restored when it is left.
 */
export function replaced(db: Database, replacements: Replacement[]): Variant {
  const originals: string[] = [];
  return {
    async enter() {
      for (const replacement of replacements) {
        const [row] = await queryRows<{ definition: string }>(
          db,
          sql`select pg_get_functiondef(${replacement.signature}::regprocedure) as definition`,
        );
        if (!row) throw new Error(`${replacement.signature} not found`);
        originals.push(row.definition);
        await queryRows(db, sql.raw(replacement.definition));
      }
    },
    async leave() {
      for (const original of originals.splice(0)) await queryRows(db, sql.raw(original));
    },
  };
}

/** The recorders replaced by no-ops: the same run's figure for writes without the ledger's cost. */
export function withoutLedgerWrites(db: Database): Variant {
  return replaced(db, RECORDERS);
}
