// `pnpm verify-integrity`: checks every row's checksum and that it decrypts under its kid, and
// every audit event's seal and the ledger's chain. Prints ids (never data) of failures; exits
// non-zero if any. `--json` for machines.
import { parseArgs } from "node:util";
import type { Keyring } from "@vibot/crypto";
import { type Database, type FailedRow, verifyBatch, verifyLedger } from "@vibot/db";
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
  const { values } = parseArgs({ options: { json: { type: "boolean", default: false } } });
  const { database, keyring } = await openOperatorContext();
  try {
    const report = await verifyAll(database.db, keyring);
    const ledger = await verifyLedger(database.db, keyring);
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
    }
    return report.failed.length === 0 && ledger.failed.length === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runCommand(main);
