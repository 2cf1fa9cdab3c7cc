// What both operator commands share: the API's configuration, its database and its keyring.
import { Keyring } from "@vibot/crypto";
import { type DatabaseHandle, sessionPrivileges, verifyKeyring } from "@vibot/db";
import { type Config, loadConfig } from "../config";
import { openDatabase } from "../database";
import { loadDevSecrets } from "../dev-mode";

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
  const loaded = loadConfig();
  if (loaded.databaseUrl && !loaded.operatorDatabaseUrl)
    throw new Error(
      "OPERATOR_DATABASE_URL is required: a role that bypasses row level security (the API's own login cannot)",
    );
  const config = { ...loaded, databaseUrl: loaded.operatorDatabaseUrl };
  let keyringJson = config.keyringJson;
  if (!config.databaseUrl && !keyringJson)
    keyringJson = (await loadDevSecrets(config.pgliteDataDir)).secrets.keyring;
  if (!keyringJson) throw new Error("CREDENTIALS_KEYRING or CREDENTIALS_KEYRING_FILE is required");
  const keyring = await Keyring.fromJson(keyringJson);
  const database = await openDatabase(config);
  const privileges = await sessionPrivileges(database);
  if (!privileges.superuser && !privileges.bypassRls) {
    await database.close();
    throw new Error(
      "the database role must bypass row level security (superuser or BYPASSRLS) to scan every company",
    );
  }
  try {
    await verifyKeyring(database, keyring);
  } catch (error) {
    await database.close();
    throw error;
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
