// The composition root: configuration in, an open database, the keyring and the app out. The
// server, the benchmark server and the operator commands all start here.
import { Keyring } from "@vibot/crypto";
import {
  type DatabaseHandle,
  leastPrivilegeProblem,
  sessionPrivileges,
  verifyKeyring,
} from "@vibot/db";
import { createApp } from "./app";
import { type Config, ConfigError } from "./config";
import { openDatabase } from "./database";
import { demoAdminToken, loadDevSecrets, seedDemo } from "./dev-mode";
import type { Logger } from "./logger";

export interface Composed {
  database: DatabaseHandle;
  keyring: Keyring;
  app: ReturnType<typeof createApp>;
  /** Embedded dev mode's welcome lines (`{URL}` stands for the listening address). */
  banner: string[];
}

/** Opens the database, loads (or, in embedded dev mode, generates) the secrets and builds the app. */
export async function compose(config: Config, logger: Logger): Promise<Composed> {
  const database = await openDatabase(config);
  try {
    let { jwtSecret, keyringJson } = config;
    let banner: string[] = [];
    if (!config.databaseUrl) {
      const { secrets, path } = await loadDevSecrets(config.pgliteDataDir);
      jwtSecret ??= secrets.jwtSecret;
      keyringJson ??= secrets.keyring;
      await seedDemo(database, secrets.demo);
      const token = await demoAdminToken(jwtSecret, secrets.demo, config.jwtAudience);
      banner = [
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
    } else {
      const problem = leastPrivilegeProblem(await sessionPrivileges(database));
      if (problem) throw new ConfigError(`DATABASE_URL: ${problem}`);
    }
    if (!jwtSecret || !keyringJson)
      throw new ConfigError("SUPABASE_JWT_SECRET and CREDENTIALS_KEYRING are required");
    const keyring = await Keyring.fromJson(keyringJson);
    if ((await database.readiness()) !== "ready")
      throw new ConfigError("the database lacks migrations: run `pnpm db:migrate` first");
    await verifyKeyring(database, keyring);
    const app = createApp({
      database,
      keyring,
      logger,
      jwtSecret,
      jwtAudience: config.jwtAudience,
      maxVersions: config.maxVersions,
      realtime: { limits: config.realtime },
    });
    return { database, keyring, app, banner };
  } catch (error) {
    await database.close();
    throw error;
  }
}
