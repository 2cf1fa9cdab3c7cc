// Which part of the ledger's cost a rotation pays, over HTTP as the bench measures the bar "rotations
// with the ledger >= 0.9x those with its writes taken out": the bench's rotation step (32
// connections across 2,000 connectors, every rotation pruning one version) in alternating rounds of
// eight states of the same server:
//   ledger       as built: two events a rotation recorded, then chained by the sequencer;
//   unchained    the same events recorded, the sequencer's step a no-op (chaining free);
//                also with the recorder's checks of the caller and connectors taken out, and
//                with the events going into a copy of the ledger's table without its indexes;
//   inbox        the recorder as built writing into an unindexed inbox instead, and the sequencer
//                moving each batch into the ledger sealed and chained (one INSERT, no UPDATE);
//   bare row     each event one row in an unindexed table without checks, in the writer's
//                transaction, and nothing chained: the least any ledger could write there;
//   call only    the recorders called as security definers reading the claims, writing nothing;
//   no ledger    the recorders no-ops, as the bench's "without" rounds.
// The ratio of each to "no ledger" is the most that a ledger doing only that part can reach: if
// "unchained" misses 0.9x, no change to the sequencer or to the chain can meet the bar while
// events go through the recorder as built. The inbox state checks that its moved events chain:
// the next round's sequencer verifies the head they left.
// Run from apps/api: `npx tsx bench/experiments/ledger-share/run.ts`, about 9 minutes; ROUNDS sets
// the rounds (5). Uses the experiments' database vibot_probe and drops it at the end.
import { queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";
import { ledgerChained, type Replacement, replaced, withoutLedgerWrites } from "../../ledger";
import { measure, measureAlternating } from "../../load";
import { rotateAcrossRequest } from "../../seed";
import { openServedProbe } from "../probe";

const probe = await openServedProbe("ledger-share-experiment-secret-0123456789");
const { db, server } = probe;
const rotateAcross = rotateAcrossRequest(probe.auth, "share");
const options = {
  url: server.url,
  pid: server.pid,
  connections: 32,
  seconds: 6,
  rounds: Number(process.env.ROUNDS ?? 5),
  warmupSeconds: 2,
  request: rotateAcross,
  serverDatabase: true,
};
const log = (line: string) => process.stdout.write(`${line}\n`);

log("warm-up: every connector past its 10 kept versions …");
await measure({ ...options, seconds: 20, rounds: 1, warmupSeconds: 0 });
await ledgerChained(db);
await queryRows(db, sql`vacuum analyze`);

// The recorder as built, to be varied below.
const [recorder] = await queryRows<{ definition: string }>(
  db,
  sql`select pg_get_functiondef('public.vault_record_events(uuid[], uuid[], integer[], text[], text)'::regprocedure) as definition`,
);
const recorderDefinition = recorder?.definition ?? "";
/** The recorder as built with `part` (which it must hold) replaced by `by`. */
const recorderEdited = (part: string, by: string): Replacement => {
  if (!part || !recorderDefinition.includes(part)) throw new Error(`the recorder has no ${part}`);
  return {
    signature: "public.vault_record_events(uuid[], uuid[], integer[], text[], text)",
    definition: recorderDefinition.replace(part, by),
  };
};
/** The recorder as built, inserting into `table` instead of the ledger. */
const recorderInto = (table: string) =>
  recorderEdited("INSERT INTO public.connector_credential_events", `INSERT INTO ${table}`);
/** The sequencer's step a no-op, with `also` replaced; when left, the backlog is chained. */
const unchainedWith = (also: Replacement[] = []) => {
  const variant = replaced(db, [
    {
      signature: "public.vault_chain_events(text, text, integer)",
      definition: `create or replace function public.vault_chain_events(kids text, keys text,
        batch integer) returns integer language sql as 'select 0'`,
    },
    ...also,
  ]);
  const restore = variant.leave;
  variant.leave = async () => {
    await restore?.();
    await ledgerChained(db);
  };
  return variant;
};
const unchained = unchainedWith();
// Recorded, not chained, and the recorder without its checks of the caller and the connectors.
const checks = recorderDefinition.slice(
  recorderDefinition.indexOf("  IF company IS NULL"),
  recorderDefinition.indexOf("  INSERT INTO"),
);
const uncheckedRecorder = unchainedWith([recorderEdited(checks, "")]);
// Recorded, not chained, into a copy of the ledger's table without its indexes.
await queryRows(
  db,
  sql`create table public.unindexed_events (like public.connector_credential_events
    including defaults including constraints including identity)`,
);
await queryRows(db, sql`grant insert on public.unindexed_events to vault_ledger`);
const unindexedLedger = unchainedWith([recorderInto("public.unindexed_events")]);
// One unindexed row an event, company and actor from the claims as the recorder takes them; in
// PL/pgSQL, whose plans a session keeps, as the recorders'.
await queryRows(
  db,
  sql`create table public.bare_events (company_id uuid, connector_id uuid, credential_id uuid,
    version integer, action text, actor uuid, request_id text,
    occurred_at timestamptz not null default now())`,
);
await queryRows(db, sql`grant insert on public.bare_events to vault_ledger`);
/** Both recorders as PL/pgSQL security definers (as built) with the bodies given. */
const recorders = (single: string, plural: string) =>
  replaced(db, [
    {
      signature: "public.vault_record_event(uuid, uuid, integer, text, text)",
      definition: `create or replace function public.vault_record_event(connector uuid,
        credential uuid, version integer, action text, request_id text) returns bigint
        language plpgsql security definer set search_path = '' as $$ begin ${single};
        return 0; end $$`,
    },
    {
      signature: "public.vault_record_events(uuid[], uuid[], integer[], text[], text)",
      definition: `create or replace function public.vault_record_events(connectors uuid[],
        credentials uuid[], versions integer[], actions text[], request_id text) returns integer
        language plpgsql security definer set search_path = '' as $$ begin ${plural};
        return pg_catalog.cardinality(connectors); end $$`,
    },
  ]);
const bareInsert = (from: string) => `insert into public.bare_events
  (company_id, connector_id, credential_id, version, action, actor, request_id)
  select public.current_company_id(), ${from}, public.current_user_id(), request_id`;
const bare = recorders(
  bareInsert("connector, credential, version, action"),
  `${bareInsert("u.c, u.credential, u.version, u.action")}
  from rows from (pg_catalog.unnest(connectors), pg_catalog.unnest(credentials),
    pg_catalog.unnest(versions), pg_catalog.unnest(actions)) as u(c, credential, version, action)`,
);
// The call alone: the claims read as the recorder reads them, nothing written.
const claimsOnly = "perform public.current_company_id(), public.current_user_id()";
const callOnly = recorders(claimsOnly, claimsOnly);

// The inbox: the recorder as built (its checks included) writes into an unindexed table, and
// the sequencer moves each batch into the ledger sealed and chained, one INSERT and no UPDATE.
await queryRows(
  db,
  sql`create table public.inbox_events (id bigint not null
    default nextval('public.connector_credential_events_id_seq'), company_id uuid not null,
    connector_id uuid, credential_id uuid, version integer, action text not null, actor uuid,
    request_id text, occurred_at timestamptz not null default now(), detail text)`,
);
await queryRows(db, sql`grant select, insert, delete on public.inbox_events to vault_ledger`);
await queryRows(
  db,
  sql`grant usage on sequence public.connector_credential_events_id_seq to vault_ledger`,
);
const inbox = replaced(db, [
  recorderInto("public.inbox_events"),
  {
    signature: "public.vault_chain_events(text, text, integer)",
    definition: `create or replace function public.vault_chain_events(kids text, keys text,
      batch integer) returns integer language plpgsql security definer set search_path = ''
    as $$
    declare
      sealing_kid text := pg_catalog.split_part(kids, ',', 1);
      sealing_key bytea; last_seq bigint; last_mac text; next_seal text;
      ids bigint[] := '{}'; seqs bigint[] := '{}'; seals text[] := '{}'; macs text[] := '{}';
      changed boolean := false;
      pending public.connector_credential_events;
    begin
      if not pg_catalog.pg_try_advisory_xact_lock(7368207346913720435) then return -1; end if;
      select k.key into sealing_key from public.vault_ledger_keys(kids, keys) k
        where k.kid = sealing_kid;
      select h.seq, h.mac into last_seq, last_mac from public.vault_chain_head(kids, keys) h;
      for pending in execute 'select i.id, i.company_id, i.connector_id, i.credential_id,
        i.version, i.action, i.actor, i.request_id, i.occurred_at, null, null, null, i.detail
        from public.inbox_events i order by i.id limit $1' using batch
      loop
        last_seq := last_seq + 1;
        next_seal := public.vault_ledger_seal(pending, sealing_kid, sealing_key);
        last_mac := public.vault_ledger_link(last_mac, last_seq, next_seal, sealing_kid,
          sealing_key);
        ids := ids || pending.id; seqs := seqs || last_seq;
        seals := seals || next_seal; macs := macs || last_mac;
        changed := changed or pending.action not in ('read', 'integrity_failure');
      end loop;
      execute 'with moved as (delete from public.inbox_events i where i.id = any($1)
        returning i.*)
        insert into public.connector_credential_events (id, company_id, connector_id,
          credential_id, version, action, actor, request_id, occurred_at, seal, chain_seq,
          chain_mac, detail)
        select m.id, m.company_id, m.connector_id, m.credential_id, m.version, m.action,
          m.actor, m.request_id, m.occurred_at, u.seal, u.seq, u.mac, m.detail
        from moved m join rows from (pg_catalog.unnest($1), pg_catalog.unnest($2),
          pg_catalog.unnest($3), pg_catalog.unnest($4)) as u(id, seq, seal, mac)
          on u.id = m.id order by u.seq' using ids, seqs, seals, macs;
      if changed then
        perform pg_catalog.pg_notify('connector_credential_events', last_seq::text);
      end if;
      return pg_catalog.cardinality(ids);
    end $$`,
  },
]);
// Left once the API's sequencer has moved every event out of the inbox.
const restoreInbox = inbox.leave;
inbox.leave = async () => {
  for (;;) {
    const [left] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from public.inbox_events`,
    );
    if (!left?.n) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await restoreInbox?.();
};

const states = {
  ledger: {},
  unchained,
  "unchained, recorder unchecked": uncheckedRecorder,
  "unchained, ledger unindexed": unindexedLedger,
  inbox,
  "bare row": bare,
  "call only": callOnly,
  "no ledger": withoutLedgerWrites(db),
};
const names = Object.keys(states);
log(`rotations, in alternating rounds: ${names.join(", ")} …`);
const results = await measureAlternating(options, Object.values(states));
const none = results[results.length - 1];
if (!none) throw new Error("no rounds measured");
for (const [i, m] of results.entries()) {
  log(
    `${names[i]?.padEnd(30)} ${Math.round(m.rps)} req/s (${(m.rps / none.rps).toFixed(2)}x no ledger), ` +
      `API ${Math.round(m.cpuMicros)} µs, database ${Math.round(m.databaseCpuMicros)} µs a rotation, ` +
      `rounds ${m.rounds.map((r) => Math.round(r)).join(" / ")} req/s`,
  );
}
const [bareRows] = await queryRows<{ n: number }>(
  db,
  sql`select count(*)::int as n from public.bare_events`,
);
log(`bare rows written: ${bareRows?.n} (events the "bare row" rounds recorded)`);

await probe.close();
process.exit(0);
