// Renders the benchmark table and writes BENCHMARKS.md at the repository root.
import { writeFile } from "node:fs/promises";
import { repositoryRoot } from "../src/config";

export interface Row {
  name: string;
  figures: string;
  ratio?: number;
  bar?: string;
  /** "milestone": the bar's interim figure is met, the bar itself not. */
  met?: boolean | "milestone";
}

/** How the audit ledger's write and commit cost was kept down, and what durability it keeps. */
const LEDGER_COST = `## The audit ledger's cost, and the durability it keeps

Measured on this machine while building it (pgbench \`-M prepared\`, 8 clients; wrk as above).

- **Every audited read is a durable write.** With \`CREDENTIALS_AUDIT_READS\` on (the default) a
  read records its event in its own transaction, so its commit waits for a WAL flush
  (\`synchronous_commit\` stays on): no crash can lose the event of a read whose plaintext was
  returned. fdatasync takes 87 µs here (pg_test_fsync). The read statement runs at about 25k tps
  without its event and 7-8k with it; about half of that is the flush (with
  \`synchronous_commit = off\` it reached about 15k; not taken, since a database crash could then
  lose up to three \`wal_writer_delay\`s of committed read events). \`commit_delay\` (a server
  setting) did not help at this concurrency: 6.9k at 0, 6.5k at 100 µs, 4.4k at 1 ms.
- **An event touches three indexes when it is recorded**: its id, (company, id) for
  \`GET /v1/audit\`, and the partial index of unchained events the sequencer reads. The chain
  position is unique only where set, and the writer lookup indexes only rotate and rollback
  events, so a read event enters neither (+15% on the audited read statement).
- **No foreign key to companies**: each would share-lock the company's row under every concurrent
  reader; a trigger cascades a company's deletion instead.
- **Sealing is one HMAC in SQL**, inserted by a PL/pgSQL function whose plan is cached per session.
- **Chaining happens after commit**, in batches of one statement each, by one sequencer at a time
  (an advisory lock), so readers never wait on the chain. Turning the sequencer off changed read
  throughput by less than 1% (17,776 vs 17,590 requests in 8 s).
- **Change events** (rotate, rollback, destroy, reencrypt) are written in the change's own
  transaction, equally durable; the row "rotations, audit ledger vs its writes taken out" above is
  their cost in this run.`;

const metText = (met: Row["met"]) =>
  met === undefined ? "" : met === "milestone" ? "milestone only" : met ? "yes" : "**no**";

export async function writeReport(report: {
  rows: Row[];
  machine: string;
  quick: boolean;
  errors: number;
  connections: number;
  timing: { seconds: number; rounds: number; warmupSeconds: number; pgbench: number };
}): Promise<string> {
  const lines = [
    "| measurement | figures | ratio | bar | met |",
    "| --- | --- | --- | --- | --- |",
    ...report.rows.map(
      (r) =>
        `| ${r.name} | ${r.figures} | ${r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}x`} | ${r.bar ?? ""} | ${metText(r.met)} |`,
    ),
  ];
  const table = lines.join("\n");
  const { seconds, rounds, warmupSeconds, pgbench } = report.timing;
  const text = `# Benchmarks

Written by \`pnpm bench\`${report.quick ? " --quick (short rounds: indicative only)" : ""} on ${new Date().toISOString()}.

Machine: ${report.machine}. API, database and load generator share it, so every ratio compares
figures of this one run. HTTP: wrk (Debian's, native), ${report.connections} connections, ${warmupSeconds} s warm-up, ${rounds} × ${seconds} s rounds,
the median round reported; API and database (every PostgreSQL server process) CPU per request from
/proc (utime + stime over completed requests);
request errors across the run: ${report.errors}. pgbench: \`-M prepared\`, 8 clients, ${pgbench} s each, the
messages the API sends for a request, in the API's shape.

${table}

${LEDGER_COST}
`;
  await writeFile(`${repositoryRoot}BENCHMARKS.md`, text);
  return table;
}
