// The experiments' database: vibot_probe, seeded as the bench seeds its own, with the API's
// least-privilege login vibot_probe_api (a NOINHERIT member of authenticator) and a fresh keyring
// whose kids are registered as the API registers them at start. Each run.sh drops both at its end.
import { randomBytes } from "node:crypto";
import { Keyring } from "@vibot/crypto";
import { ADMIN_ROLE, connectPostgres, type Database, verifyKeyring } from "@vibot/db";
import postgres from "postgres";
import { ensureWrk } from "../load";
import { ADMIN, COMPANY, seedBench } from "../seed";
import { adminToken, type BenchServer, startServer } from "../servers";

/** The bench's admin, as the door's operations are captured for. */
export const probeClaims = {
  sub: ADMIN,
  company_id: COMPANY,
  roles: [ADMIN_ROLE],
  role: "authenticated",
};

export async function openProbe(): Promise<{
  keyring: Keyring;
  /** The keyring as the API's CREDENTIALS_KEYRING takes it. */
  keyringJson: string;
  apiUrl: string;
}> {
  const keyringJson = JSON.stringify({
    active: "b1",
    keys: { b1: randomBytes(32).toString("base64") },
    ledger: { active: "bl1", keys: { bl1: randomBytes(32).toString("base64") } },
  });
  const keyring = await Keyring.fromJson(keyringJson);
  const admin = postgres("postgres://postgres@127.0.0.1:5432/postgres", {
    max: 1,
    onnotice: () => {},
  });
  await admin.unsafe("drop database if exists vibot_probe with (force)");
  await admin.unsafe("create database vibot_probe");
  const handle = connectPostgres("postgres://postgres@127.0.0.1:5432/vibot_probe", {
    max: 2,
    limits: { lockTimeoutMs: 0, statementTimeoutMs: 0 },
  });
  await handle.migrate();
  await seedBench(handle.db, keyring);
  await handle.close();
  await admin.unsafe("drop role if exists vibot_probe_api");
  await admin.unsafe("create role vibot_probe_api login noinherit in role authenticator");
  await admin.end();
  const apiUrl = "postgres://vibot_probe_api@127.0.0.1:5432/vibot_probe";
  const api = connectPostgres(apiUrl, { max: 1 });
  await verifyKeyring(api, keyring);
  await api.close();
  return { keyring, keyringJson, apiUrl };
}

/** The experiments' database served by the API as the bench serves its own. */
export interface ServedProbe {
  /** The operator's connection to vibot_probe. */
  db: Database;
  server: BenchServer;
  /** The bench admin's token for this server, as request headers. */
  auth: Record<string, string>;
  /** Starts another server on the same database, with `env` added to the first one's. */
  startServer(env: Record<string, string>): Promise<BenchServer>;
  /** Stops the first server and drops vibot_probe and its login. */
  close(): Promise<void>;
}

/** openProbe, with wrk installed, the operator connected and the API started on the database. */
export async function openServedProbe(jwtSecret: string): Promise<ServedProbe> {
  const operatorUrl = "postgres://postgres@127.0.0.1:5432/vibot_probe";
  await ensureWrk();
  const { keyringJson, apiUrl } = await openProbe();
  const operator = connectPostgres(operatorUrl, {
    max: 2,
    limits: { lockTimeoutMs: 0, statementTimeoutMs: 0 },
  });
  const env = {
    DATABASE_URL: apiUrl,
    OPERATOR_DATABASE_URL: operatorUrl,
    SUPABASE_JWT_SECRET: jwtSecret,
    CREDENTIALS_KEYRING: keyringJson,
  };
  const server = await startServer(env);
  const token = await adminToken(jwtSecret);
  return {
    db: operator.db,
    server,
    startServer: (more) => startServer({ ...env, ...more }),
    auth: { authorization: `Bearer ${token}` },
    async close() {
      await server.stop();
      await operator.close();
      const admin = postgres("postgres://postgres@127.0.0.1:5432/postgres", { max: 1 });
      await admin.unsafe("drop database vibot_probe with (force)");
      await admin.unsafe("drop role vibot_probe_api");
      await admin.end();
    },
  };
}
