// Where the database's CPU goes, by function, in what the ledger adds to a request: the bench's
// rotation step (32 connections across 2,000 connectors, every rotation pruning one version) with
// the ledger and with its writes taken out, or (STEP=read) the bench's current read with read
// auditing on and off (two servers). The two states run in alternating rounds, each round sampled
// by `perf record` on every CPU while wrk runs. The PostgreSQL server processes' samples are
// grouped by the kind of process (a client backend, the autovacuum, the WAL writer …)
// and by function, and turned into microseconds a request; the difference between the states is
// what the ledger costs, by function and by group of functions (B-tree, heap, WAL, locks,
// PL/pgSQL, crypto, kernel …). This is the question the ledger-share experiment left open: which
// part of the recorder's work costs most. Needs root and perf (Debian's linux-perf). Debian strips
// PostgreSQL's static functions; those are named after the exported function before them.
// Run from apps/api: `npx tsx bench/experiments/ledger-profile/run.ts`, about 5 minutes; ROUNDS
// sets the rounds (3); BEFORE=1 adds the ledger as it was before migrations 0036 and 0037
// (below). Uses the experiments' database vibot_probe and drops it at the end.
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout } from "node:timers/promises";
import { promisify } from "node:util";
import { auditActions } from "@vibot/db";
import { queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";
import { ledgerChained, withoutLedgerWrites } from "../../ledger";
import { measure, type Variant } from "../../load";
import { readCurrentRequest, rotateAcrossRequest } from "../../seed";
import { openServedProbe } from "../probe";

const FREQUENCY = 1999;
const SECONDS = 10;
const WARMUP_SECONDS = 2;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const READ = process.env.STEP === "read";

const probe = await openServedProbe("ledger-profile-experiment-secret-0123456789");
const { db, server } = probe;
const options = {
  url: server.url,
  pid: server.pid,
  connections: 32,
  seconds: SECONDS,
  rounds: 1,
  warmupSeconds: WARMUP_SECONDS,
  request: READ ? readCurrentRequest(probe.auth) : rotateAcrossRequest(probe.auth, "profile"),
  serverDatabase: true,
};
const log = (line: string) => process.stdout.write(`${line}\n`);

log("warm-up: every connector past its 10 kept versions …");
await measure({ ...options, seconds: 20, warmupSeconds: 0 });
await ledgerChained(db);
await queryRows(db, sql`vacuum analyze`);

/** Runs a command to its end; resolves to its standard output (perf script's is tens of MB). */
const command = async (file: string, args: string[]) =>
  (await promisify(execFile)(file, args, { maxBuffer: 1 << 30 })).stdout;

/** The kind of every PostgreSQL server process now (client backend, autovacuum worker …). */
async function processKinds(): Promise<Map<number, string>> {
  const rows = await queryRows<{ pid: number; kind: string }>(
    db,
    sql`select pid, backend_type as kind from pg_stat_activity`,
  );
  return new Map(rows.map((r) => [r.pid, r.kind]));
}

/**
 * Names a function that PostgreSQL's binary does not export (a static one: Debian strips the rest)
 * by the exported function just before it in the binary, whose source file it most likely shares:
 * `~_bt_doinsert` is some function laid out after `_bt_doinsert`. Backends are forked from the
 * postmaster, so the binary is mapped at the postmaster's address in every one of them.
 */
async function staticNamer(): Promise<(ip: bigint) => string> {
  const [setting] = await queryRows<{ dir: string }>(
    db,
    sql`select current_setting('data_directory') as dir`,
  );
  const postmaster = (await readFile(join(setting?.dir ?? "", "postmaster.pid"), "utf8")).split(
    "\n",
  )[0];
  const maps = await readFile(`/proc/${postmaster}/maps`, "utf8");
  const text = /^([0-9a-f]+)-[0-9a-f]+ r-xp ([0-9a-f]+) .* (\/\S*\/bin\/postgres)$/m.exec(maps);
  if (!text) return () => "?";
  // The binary is position-independent with its code's addresses equal to its file offsets.
  const base = BigInt(`0x${text[1]}`) - BigInt(`0x${text[2]}`);
  const symbols = (await command("nm", ["-D", "--defined-only", text[3] ?? ""]))
    .split("\n")
    .map((line) => line.split(" "))
    .filter((f) => f[1] === "T" || f[1] === "t")
    .map((f) => ({ at: BigInt(`0x${f[0]}`), name: f[2] ?? "" }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return (ip) => {
    const at = ip - base;
    let lo = 0;
    let hi = symbols.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if ((symbols[mid]?.at ?? 0n) <= at) lo = mid;
      else hi = mid - 1;
    }
    return `~${symbols[lo]?.name}`;
  };
}
const nameStatic = await staticNamer();

const dir = await mkdtemp(join(tmpdir(), "vibot-perf-"));
/** One state's samples: per process kind and function, and how many requests they served. */
interface Profile {
  samples: Map<string, number>;
  requests: number;
  rps: number[];
}

/** A round of `variant`: wrk's warm-up, then its measured round with perf sampling every CPU. */
async function profiledRound(variant: Variant, profile: Profile, name: string): Promise<void> {
  await variant.enter?.();
  try {
    const file = join(dir, `${name.replaceAll(" ", "-")}-${profile.rps.length}.data`);
    const kindsBefore = await processKinds();
    // Starts a second into the measured round (after wrk's warm-up), stops a second before its end.
    const sampling = setTimeout((WARMUP_SECONDS + 1) * 1000).then(() =>
      command("perf", [
        "record",
        "-a",
        "-F",
        `${FREQUENCY}`,
        "-o",
        file,
        "--",
        "sleep",
        `${SECONDS - 2}`,
      ]),
    );
    const measured = await measure({ ...options, ...variant.target });
    await sampling;
    const kinds = new Map([...kindsBefore, ...(await processKinds())]);
    const script = await command("perf", ["script", "-i", file, "-F", "comm,pid,ip,sym,dso"]);
    // Requests served while perf sampled: its seconds at the round's rate.
    profile.requests += measured.rps * (SECONDS - 2);
    profile.rps.push(Math.round(measured.rps));
    for (const line of script.split("\n")) {
      const match = /^\s*(\S+)\s+(\d+)\s+([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$/.exec(line);
      if (match?.[1] !== "postgres") continue;
      const kind = kinds.get(Number(match[2])) ?? "exited (autovacuum, most likely)";
      const symbol =
        match[4] !== "[unknown]"
          ? match[4]
          : match[5]?.endsWith("/bin/postgres")
            ? nameStatic(BigInt(`0x${match[3]}`))
            : `[unknown in ${match[5]?.split("/").pop()}]`;
      const key = `${kind}\t${symbol}\t${match[5]}`;
      profile.samples.set(key, (profile.samples.get(key) ?? 0) + 1);
    }
  } finally {
    await variant.leave?.();
  }
}

const quiet = READ ? await probe.startServer({ CREDENTIALS_AUDIT_READS: "off" }) : undefined;
// BEFORE=1 (rotations): also the ledger as it was before migrations 0036 and 0037, its table's
// CHECK on the action and its index of rotate and rollback events by credential put back.
const actionList = sql.raw(auditActions.map((a) => `'${a}'`).join(", "));
const before: Variant = {
  async enter() {
    await queryRows(
      db,
      sql`alter table public.connector_credential_events add constraint
        connector_credential_events_action_check check (action in (${actionList})) not valid`,
    );
    await queryRows(
      db,
      sql`create index idx_connector_credential_events_credential_id
        on public.connector_credential_events (credential_id) where action in ('rotate', 'rollback')`,
    );
  },
  async leave() {
    await queryRows(db, sql`drop index public.idx_connector_credential_events_credential_id`);
    await queryRows(
      db,
      sql`alter table public.connector_credential_events
        drop constraint connector_credential_events_action_check`,
    );
  },
};
// With the ledger's work first, without it last.
const states: Record<string, Variant> = quiet
  ? { "auditing on": {}, "auditing off": { target: quiet } }
  : process.env.BEFORE
    ? { ledger: {}, "ledger before 0036-0037": before, "no ledger": withoutLedgerWrites(db) }
    : { ledger: {}, "no ledger": withoutLedgerWrites(db) };
const names = Object.keys(states);
const [withName = ""] = names;
const withoutName = names[names.length - 1] ?? "";
const profiles = new Map<string, Profile>(
  Object.keys(states).map((name) => [name, { samples: new Map(), requests: 0, rps: [] }]),
);
log(
  `${READ ? "current reads" : "rotations"}, in ${ROUNDS} alternating rounds of ${names.join(", ")} …`,
);
for (let i = 0; i < ROUNDS; i++)
  for (const [name, variant] of Object.entries(states)) {
    const profile = profiles.get(name);
    if (profile) await profiledRound(variant, profile, name);
  }

/** Microseconds of CPU a request, per key, for one state. */
const perRequest = (profile: Profile | undefined) =>
  new Map(
    [...(profile?.samples ?? [])].map(([key, n]) => [
      key,
      ((n / FREQUENCY) * 1e6) / (profile?.requests ?? 1),
    ]),
  );

/** The group a function belongs to. */
function group(name: string, dso: string): string {
  const symbol = name.replace(/^~/, "");
  if (dso.includes("kernel")) return `kernel: ${symbol}`;
  if (dso.includes("plpgsql")) return "PL/pgSQL interpreter";
  if (dso.includes("pgcrypto") || dso.includes("libcrypto")) return "pgcrypto and OpenSSL";
  if (/^(_bt|bt)/.test(symbol)) return "B-tree";
  if (/XLog|xlog|crc32|WAL|Wal/.test(symbol)) return "WAL";
  if (/LWLock|s_lock|Spin|spin|LockAcquire|LockRelease|LockCheckConflicts|lock/.test(symbol))
    return "locks";
  if (/^(heap|Heap|heapam|RelationPutHeapTuple|RelationGetBufferForTuple|toast)/.test(symbol))
    return "heap";
  if (/Alloc|palloc|pfree|MemoryContext|repalloc/.test(symbol)) return "memory contexts";
  if (/^(hash_|hash_bytes|tag_hash|string_hash|uint32_hash)/.test(symbol)) return "hash tables";
  if (/Buffer|buffer|ReadBuffer|Pin|Unpin|StrategyGetBuffer/.test(symbol)) return "shared buffers";
  if (/^(Exec|exec)/.test(symbol)) return "executor";
  if (/plan|Plan|path|Path|cost_|query_planner|subquery/.test(symbol)) return "planner";
  if (/Snapshot|TransactionId|Xid|Proc|GetRunningTransaction/.test(symbol))
    return "snapshots and transactions";
  return "other PostgreSQL";
}

/** Sums a per-key map into groups by `by`. */
function totals(values: Map<string, number>, by: (key: string[]) => string) {
  const sums = new Map<string, number>();
  for (const [key, us] of values) {
    const g = by(key.split("\t"));
    sums.set(g, (sums.get(g) ?? 0) + us);
  }
  return sums;
}

/** The two states' figures side by side, grouped by `by`, largest difference first. */
function table(
  title: string,
  by: (key: string[]) => string,
  limit: number,
  [aName, bName] = [withName, withoutName],
) {
  const a = totals(perRequest(profiles.get(aName)), by);
  const b = totals(perRequest(profiles.get(bName)), by);
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const rows = keys
    .map((k) => ({ k, a: a.get(k) ?? 0, b: b.get(k) ?? 0 }))
    .sort((x, y) => y.a - y.b - (x.a - x.b));
  const sum = (m: Map<string, number>) => [...m.values()].reduce((s, v) => s + v, 0);
  log(`\n${title} (µs of database CPU a request: ${aName}, ${bName}, difference)`);
  log(
    `  ${"all".padEnd(60)} ${sum(a).toFixed(1).padStart(7)} ${sum(b).toFixed(1).padStart(7)} ${(sum(a) - sum(b)).toFixed(1).padStart(7)}`,
  );
  for (const r of rows.slice(0, limit))
    log(
      `  ${r.k.slice(0, 60).padEnd(60)} ${r.a.toFixed(1).padStart(7)} ${r.b.toFixed(1).padStart(7)} ${(r.a - r.b).toFixed(1).padStart(7)}`,
    );
}

/** A sample's key (process kind, function, binary) grouped by group of functions. */
const byGroup = ([, symbol, dso]: string[]) => group(symbol ?? "", dso ?? "");
/** … by function, for client backends only. */
const byFunction = ([kind, symbol, dso]: string[]) =>
  kind === "client backend" ? `${symbol} (${dso?.split("/").pop()})` : "(other processes)";

for (const [name, profile] of profiles) log(`${name}: rounds ${profile.rps.join(" / ")} req/s`);
table("by process kind", ([kind]) => kind ?? "", 10);
table("by group of functions", byGroup, 25);
table("client backends, by function", byFunction, 50);
// A middle state (BEFORE=1) against the first.
for (const name of names.slice(1, -1)) {
  table("by group of functions", byGroup, 15, [name, withName]);
  table("client backends, by function", byFunction, 15, [name, withName]);
}

await quiet?.stop();
await probe.close();
process.exit(0);
