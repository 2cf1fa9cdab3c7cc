// What both operator commands share: the API's configuration, its database and its keyring.
import { Keyring } from "@vibot/crypto";
import { canBypassRls, type DatabaseHandle } from "@vibot/db";
import { type Config, loadConfig } from "../config";
import { openDatabase } from "../database";
import { loadDevSecrets } from "../dev-mode";

export interface OperatorContext {
  config: Config;
  database: DatabaseHandle;
  keyring: Keyring;
}

/** Opens the configured database (embedded when DATABASE_URL is unset) with the keyring. */
export async function openOperatorContext(): Promise<OperatorContext> {
  const config = loadConfig();
  let keyringJson = config.keyringJson;
  if (!config.databaseUrl && !keyringJson)
    keyringJson = (await loadDevSecrets(config.pgliteDataDir)).secrets.keyring;
  if (!keyringJson) throw new Error("CREDENTIALS_KEYRING or CREDENTIALS_KEYRING_FILE is required");
  const keyring = await Keyring.fromJson(keyringJson);
  const database = await openDatabase(config);
  if (!(await canBypassRls(database.db))) {
    await database.close();
    throw new Error(
      "the database role must bypass row level security (superuser or BYPASSRLS) to scan every company",
    );
  }
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
