// Renders the benchmark table and writes BENCHMARKS.md at the repository root: a generated header
// and table, then the file's notes (every section from its first "## " heading), which are written
// by hand and kept as they are, so that a run replaces its figures and never the reasoning.
import { readFile, writeFile } from "node:fs/promises";
import { repositoryRoot } from "../src/config";

export interface Row {
  name: string;
  figures: string;
  ratio?: number;
  bar?: string;
  /** "milestone": the bar's interim figure is met, the bar itself not. */
  met?: boolean | "milestone";
}

/** The hand-written notes of the report at `path`: from its first "## " heading to its end. */
async function notesOf(path: string): Promise<string> {
  const previous = await readFile(path, "utf8").catch(() => "");
  const at = previous.search(/^## /m);
  return at < 0 ? "" : previous.slice(at);
}

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
request errors across the run: ${report.errors}. The floor and the read with read auditing on and off run
in alternating rounds, as do rotations with and without the ledger's writes and the floor again
(each round after its own warm-up), so that each ratio compares rounds of the same minutes. The rotations and the
client's step start once the sequencer has chained the events of the steps before them. pgbench: \`-M prepared\`, 8 clients, ${pgbench} s each, the
messages the API sends for a request, in the API's shape.

${table}
`;
  const path = `${repositoryRoot}BENCHMARKS.md`;
  await writeFile(path, [text, await notesOf(path)].filter(Boolean).join("\n"));
  return table;
}
