// What both operator commands share: the API's configuration, its database and its keyring.
import type { Keyring } from "@vibot/crypto";
import type { DatabaseHandle, FailedRow } from "@vibot/db";
import { openVault } from "../compose";
import { type Config, loadConfig } from "../config";

export interface OperatorContext {
  config: Config;
  database: DatabaseHandle;
  keyring: Keyring;
}

/**
 * Opens the operator's database (OPERATOR_DATABASE_URL; the embedded one when DATABASE_URL is
 * unset too) with the keyring, refusing a key that differs from the one that wrote the data.
 */
export async function openOperatorContext(): Promise<OperatorContext> {
  const { config, database, keyring } = await openVault(loadConfig(), "operator");
  return { config, database, keyring };
}

/** Runs a command's main function: a one-line reason and exit code 2 on any unexpected failure. */
export function runCommand(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}

/** One line per failed row, by ids only (never data): the report of reencrypt and verify-integrity. */
export function printFailedRows(rows: FailedRow[]): void {
  for (const row of rows) {
    process.stdout.write(
      `FAILED ${row.reason} id=${row.id} connector=${row.connectorId} version=${row.version}\n`,
    );
  }
}
