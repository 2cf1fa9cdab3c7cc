// The composition root: configuration in, an open database and the keyring (openVault) and the
// app (compose) out. The server, the benchmark server and the operator commands all start here.
import { Keyring } from "@vibot/crypto";
import {
  type DatabaseHandle,
  leastPrivilegeProblem,
  type SessionPrivileges,
  sessionPrivileges,
  verifyKeyring,
} from "@vibot/db";
import { createApp } from "./app";
import { AuditSequencer } from "./audit/sequencer";
import { type Config, ConfigError } from "./config";
import { openDatabase } from "./database";
import { type DevSecrets, demoAdminToken, loadDevSecrets, seedDemo } from "./dev-mode";
import { LifecycleJobs } from "./lifecycle/jobs";
import type { Logger } from "./logger";

/** Who opens the vault: the API (least privilege) or an operator command (bypasses RLS). */
export type VaultUser = "api" | "operator";

export interface Vault {
  /** The configuration as used: for an operator, `databaseUrl` is OPERATOR_DATABASE_URL. */
  config: Config;
  database: DatabaseHandle;
  keyring: Keyring;
  jwtSecret: string | undefined;
  /** Embedded dev mode's generated secrets and where they are kept (undefined: in memory). */
  dev?: { secrets: DevSecrets; path: string | undefined };
}

/** Why this session may not serve `user`, naming the fix; undefined when it may. */
function sessionProblem(user: VaultUser, privileges: SessionPrivileges): string | undefined {
  if (user === "api") {
    const problem = leastPrivilegeProblem(privileges);
    return problem && `DATABASE_URL: ${problem}`;
  }
  return privileges.superuser || privileges.bypassRls
    ? undefined
    : "the database role must bypass row level security (superuser or BYPASSRLS) to scan every company";
}

/**
 * Opens the database for `user`, checks its role, loads the keyring (generated in embedded dev
 * mode) and refuses a key that differs from the one that wrote the data (the key canary).
 */
export async function openVault(loaded: Config, user: VaultUser): Promise<Vault> {
  if (user === "operator" && loaded.databaseUrl && !loaded.operatorDatabaseUrl)
    throw new ConfigError(
      "OPERATOR_DATABASE_URL is required: a role that bypasses row level security (the API's own login cannot)",
    );
  const config =
    user === "operator" ? { ...loaded, databaseUrl: loaded.operatorDatabaseUrl } : loaded;
  const database = await openDatabase(config);
  try {
    let { jwtSecret, keyringJson } = config;
    let dev: Vault["dev"];
    if (!config.databaseUrl) {
      const { secrets, path } = await loadDevSecrets(config.pgliteDataDir);
      dev = { secrets, path };
      jwtSecret ??= secrets.jwtSecret;
      keyringJson ??= secrets.keyring;
    } else {
      const problem = sessionProblem(user, await sessionPrivileges(database));
      if (problem) throw new ConfigError(problem);
    }
    if (!keyringJson)
      throw new ConfigError("CREDENTIALS_KEYRING or CREDENTIALS_KEYRING_FILE is required");
    const keyring = await Keyring.fromJson(keyringJson);
    if ((await database.readiness()) !== "ready")
      throw new ConfigError("the database lacks migrations: run `pnpm db:migrate` first");
    await verifyKeyring(database, keyring);
    return { config, database, keyring, jwtSecret, dev };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export interface Composed {
  database: DatabaseHandle;
  keyring: Keyring;
  /** Chains audit events; started by compose, stopped by the caller at shutdown. */
  sequencer: AuditSequencer;
  /** Purges and reminders; started by compose, stopped by the caller at shutdown. */
  lifecycle: LifecycleJobs;
  app: ReturnType<typeof createApp>;
  /** Embedded dev mode's welcome lines (`{URL}` stands for the listening address). */
  banner: string[];
}

/** The API: the vault opened for it, the demo tenant in embedded dev mode, and the app. */
export async function compose(config: Config, logger: Logger): Promise<Composed> {
  const { database, keyring, jwtSecret, dev } = await openVault(config, "api");
  try {
    if (!jwtSecret) throw new ConfigError("SUPABASE_JWT_SECRET is required");
    const banner = dev ? await devBanner(config, database, jwtSecret, dev) : [];
    const app = createApp({
      database,
      keyring,
      logger,
      jwtSecret,
      jwtAudience: config.jwtAudience,
      maxVersions: config.maxVersions,
      auditReads: config.auditReads,
      recoveryWindowMs: config.lifecycle.recoveryWindowMs,
      realtime: { limits: config.realtime, replayMaxAgeMs: config.realtime.replayMaxAgeMs },
    });
    const sequencer = new AuditSequencer(database, keyring, logger);
    sequencer.start();
    const hub = app.dependencies.realtime.hub;
    const lifecycle = new LifecycleJobs(
      database,
      { expiryWarningMs: config.lifecycle.expiryWarningMs },
      () => hub.wake(),
      logger,
    );
    lifecycle.start();
    return { database, keyring, app, banner, sequencer, lifecycle };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Seeds the demo company and returns the lines that let a newcomer try the API at once. */
async function devBanner(
  config: Config,
  database: DatabaseHandle,
  jwtSecret: string,
  { secrets, path }: NonNullable<Vault["dev"]>,
): Promise<string[]> {
  await seedDemo(database, secrets.demo);
  const token = await demoAdminToken(jwtSecret, secrets.demo, config.jwtAudience);
  return [
    `Embedded PGlite database: ${config.pgliteDataDir}`,
    path
      ? `Development secrets: ${path} (mode 0600; never use them in production)`
      : "Development secrets: in memory",
    `Demo company ${secrets.demo.companyId}, connector ${secrets.demo.connectorId}`,
    "Demo admin access token (24 h):",
    `TOKEN=${token}`,
    "Try:",
    `curl -s -X POST {URL}/v1/connectors/${secrets.demo.connectorId}/credentials -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"secret":{"apiKey":"sk_test_123"}}'`,
    `curl -s {URL}/v1/connectors/${secrets.demo.connectorId}/credentials/current -H "Authorization: Bearer $TOKEN"`,
  ];
}
