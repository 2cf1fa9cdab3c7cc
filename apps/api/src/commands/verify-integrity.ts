// `pnpm verify-integrity`: checks every row's checksum and that it decrypts under its kid, and
// every audit event's seal and the ledger's chain. Prints ids (never data) of failures, a
// checkpoint to keep outside the database, and events the sequencer has left unchained for over a
// minute; exits non-zero on any failure, or when the ledger no longer extends `--checkpoint`.
// `--json` for machines.
import { parseArgs } from "node:util";
import type { Keyring } from "@vibot/crypto";
import {
  type Database,
  type FailedRow,
  formatCheckpoint,
  parseCheckpoint,
  verifyBatch,
  verifyLedger,
} from "@vibot/db";
import { openOperatorContext, printFailedRows, runCommand } from "./operator";

export interface IntegrityReport {
  scanned: number;
  ok: number;
  failed: FailedRow[];
  seconds: number;
}

export async function verifyAll(
  db: Database,
  keyring: Keyring,
  batchSize = 1000,
): Promise<IntegrityReport> {
  const started = performance.now();
  const failed: FailedRow[] = [];
  let scanned = 0;
  let after: string | undefined;
  for (;;) {
    const batch = await verifyBatch(db, keyring, { after, limit: batchSize });
    if (batch.scanned === 0) break;
    after = batch.lastId;
    scanned += batch.scanned;
    failed.push(...batch.failed);
  }
  return {
    scanned,
    ok: scanned - failed.length,
    failed,
    seconds: (performance.now() - started) / 1000,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== "--"),
    options: { json: { type: "boolean", default: false }, checkpoint: { type: "string" } },
  });
  const checkpoint =
    values.checkpoint === undefined ? undefined : parseCheckpoint(values.checkpoint);
  if (values.checkpoint !== undefined && !checkpoint)
    throw new Error("--checkpoint must be a checkpoint this command printed (<position>@<mac>)");
  const { database, keyring } = await openOperatorContext();
  try {
    const report = await verifyAll(database.db, keyring);
    const ledger = await verifyLedger(database.db, keyring, checkpoint ? { checkpoint } : {});
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...report, ledger })}\n`);
    } else {
      const rate = Math.round(report.scanned / Math.max(report.seconds, 0.001));
      process.stdout.write(
        `Verified ${report.scanned} rows in ${report.seconds.toFixed(1)} s (${rate} rows/s): ${report.ok} ok, ${report.failed.length} failed.\n`,
      );
      printFailedRows(report.failed);
      process.stdout.write(
        `Verified ${ledger.scanned} audit events (${ledger.chained} chained): ${ledger.failed.length} failed.\n`,
      );
      for (const event of ledger.failed)
        process.stdout.write(`FAILED ${event.reason} event=${event.id}\n`);
      if (ledger.stalled.count > 0)
        process.stdout.write(
          `STALLED ${ledger.stalled.count} audit events unchained for over a minute (oldest ${ledger.stalled.oldest}): is an API process running its sequencer?\n`,
        );
      if (checkpoint) {
        const verdict = {
          yes: "the ledger extends it",
          no: "FAILED the ledger no longer extends it (events at or before it were removed or changed)",
          pruned: "an operator prune removed it; the ledger is verified from the prune on",
        }[ledger.extendsCheckpoint ?? "no"];
        process.stdout.write(`Checkpoint ${formatCheckpoint(checkpoint)}: ${verdict}.\n`);
      }
      if (ledger.checkpoint)
        process.stdout.write(`Checkpoint: ${formatCheckpoint(ledger.checkpoint)}\n`);
    }
    const failed =
      report.failed.length > 0 || ledger.failed.length > 0 || ledger.extendsCheckpoint === "no";
    return failed ? 1 : 0;
  } finally {
    await database.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runCommand(main);
