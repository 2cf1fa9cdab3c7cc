// Renders the benchmark table and writes BENCHMARKS.md at the repository root.
import { writeFile } from "node:fs/promises";
import { repositoryRoot } from "../src/config";

export interface Row {
  name: string;
  figures: string;
  ratio?: number;
  bar?: string;
  met?: boolean;
}

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
        `| ${r.name} | ${r.figures} | ${r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}x`} | ${r.bar ?? ""} | ${r.met === undefined ? "" : r.met ? "yes" : "**no**"} |`,
    ),
  ];
  const table = lines.join("\n");
  const { seconds, rounds, warmupSeconds, pgbench } = report.timing;
  const text = `# Benchmarks

Written by \`pnpm bench\`${report.quick ? " --quick (short rounds: indicative only)" : ""} on ${new Date().toISOString()}.

Machine: ${report.machine}. API, database and load generator share it, so every ratio compares
figures of this one run. HTTP: wrk (Debian's, native), ${report.connections} connections, ${warmupSeconds} s warm-up, ${rounds} × ${seconds} s rounds,
the median round reported; API CPU per request from /proc (utime + stime over completed requests);
request errors across the run: ${report.errors}. pgbench: \`-M prepared\`, 8 clients, ${pgbench} s each, the
messages the API sends for a request, in the API's shape.

${table}
`;
  await writeFile(`${repositoryRoot}BENCHMARKS.md`, text);
  return table;
}
