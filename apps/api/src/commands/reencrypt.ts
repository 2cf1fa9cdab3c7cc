// `pnpm reencrypt`: master-key rotation. Re-encrypts every row not under the active kid, in short
// batches the API can serve around; resumable (rerun continues) and idempotent.
import { parseArgs } from "node:util";
import type { Keyring } from "@vibot/crypto";
import { type Database, type FailedRow, reencryptBatch, rowsByKid } from "@vibot/db";
import { Presets, SingleBar } from "cli-progress";
import { openOperatorContext, printFailedRows, runCommand } from "./operator";

export interface ReencryptReport {
  reencrypted: number;
  failed: FailedRow[];
  /** Rows still under an old kid that no pass could take (locked throughout). */
  remaining: number;
  seconds: number;
}

const pendingRows = async (db: Database, keyring: Keyring) =>
  (await rowsByKid(db)).filter((r) => r.kid !== keyring.active.kid).reduce((n, r) => n + r.rows, 0);

/** Passes over the table until every row is under the active kid or has failed verification. */
export async function reencryptAll(
  db: Database,
  keyring: Keyring,
  options: { batchSize?: number; maxPasses?: number; onProgress?: (done: number) => void } = {},
): Promise<ReencryptReport> {
  const started = performance.now();
  const failed = new Map<string, FailedRow>();
  let reencrypted = 0;
  for (let pass = 0; pass < (options.maxPasses ?? 20); pass++) {
    let after: string | undefined;
    let progressed = 0;
    for (;;) {
      const batch = await reencryptBatch(db, keyring, { after, limit: options.batchSize ?? 500 });
      if (batch.scanned === 0) break;
      after = batch.lastId;
      progressed += batch.done;
      reencrypted += batch.done;
      for (const row of batch.failed) failed.set(row.id, row);
      options.onProgress?.(reencrypted + failed.size);
    }
    const remaining = (await pendingRows(db, keyring)) - failed.size;
    if (remaining <= 0) break;
    // Rows skipped because a rotation held them: wait a moment, then take them on the next pass.
    if (progressed === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const remaining = Math.max(0, (await pendingRows(db, keyring)) - failed.size);
  return {
    reencrypted,
    failed: [...failed.values()],
    remaining,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * A progress bar on a terminal; elsewhere (CI logs, pipes) a plain line per percent, since the
 * bar's timer cannot be relied on to fire while an embedded database holds the event loop.
 */
function progressReporter(total: number): (done: number) => void {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ stream: process.stderr, etaBuffer: 50 }, Presets.shades_classic);
    bar.start(total, 0);
    return (done) => {
      bar.update(Math.min(done, total));
      if (done >= total) bar.stop();
    };
  }
  let shown = 0;
  return (done) => {
    const percent = Math.floor((100 * done) / total);
    if (percent > shown || done >= total) {
      shown = percent;
      process.stderr.write(`progress ${done}/${total} (${percent}%)\n`);
    }
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      "dry-run": { type: "boolean", default: false },
      "batch-size": { type: "string", default: "500" },
    },
  });
  const batchSize = Number(values["batch-size"]);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error("--batch-size must be a positive integer");
  const { database, keyring } = await openOperatorContext();
  try {
    const byKid = await rowsByKid(database.db);
    const pending = byKid.filter((r) => r.kid !== keyring.active.kid);
    const total = pending.reduce((n, r) => n + r.rows, 0);
    const kids = byKid.map((r) => `${r.kid}: ${r.rows}`).join(", ") || "no rows";
    process.stdout.write(
      `Active kid ${keyring.active.kid}. Rows by kid: ${kids}. To re-encrypt: ${total}.\n`,
    );
    if (values["dry-run"] || total === 0) return 0;

    const report = await reencryptAll(database.db, keyring, {
      batchSize,
      onProgress: progressReporter(total),
    });
    const rate = Math.round(report.reencrypted / Math.max(report.seconds, 0.001));
    process.stdout.write(
      `Re-encrypted ${report.reencrypted} rows in ${report.seconds.toFixed(1)} s (${rate} rows/s); ${report.failed.length} failed; ${report.remaining} remaining.\n`,
    );
    printFailedRows(report.failed);
    return report.failed.length === 0 && report.remaining === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runCommand(main);
