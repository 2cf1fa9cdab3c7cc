// The PostgreSQL server log holds neither a key nor a secret: with log_statement = 'all', and with
// auto_explain printing verbose plans of the request door's statements.
import { randomBytes } from "node:crypto";
import { open, stat } from "node:fs/promises";
import { Keyring } from "@vibot/crypto";
import {
  ADMIN_ROLE,
  connectPostgres,
  readCredential,
  readCredentialOperation,
  withRequestContext,
  writeCredentialVersion,
  writeCredentialVersionOperation,
} from "@vibot/db";
import postgres from "postgres";
import { describe, expect, inject, it } from "vitest";
import { engine } from "./support/database";
import { createEmptyDatabase } from "./support/fresh-postgres";
import { K1, keyringJson } from "./support/keys";

/** The server's log file: the logging collector's, else Debian's stderr log of the cluster. */
async function serverLogPath(admin: postgres.Sql): Promise<string> {
  const [row] =
    await admin`select pg_current_logfile() as file, current_setting('data_directory') as data,
    current_setting('server_version_num')::int / 10000 as major`;
  if (row?.file) return row.file.startsWith("/") ? row.file : `${row.data}/${row.file}`;
  return `/var/log/postgresql/postgresql-${row?.major}-main.log`;
}

async function readFrom(path: string, offset: number): Promise<string> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await file.read(buffer, 0, buffer.length, offset);
    return buffer.toString("utf8");
  } finally {
    await file.close();
  }
}

/** A migrated empty database with `settings` on it, and ids of one tenant with a connector. */
async function freshLoggedDatabase(settings: string[]) {
  const fresh = await createEmptyDatabase("vibot_log");
  const migrator = connectPostgres(fresh.url, { max: 1 });
  await migrator.migrate();
  await migrator.close();
  for (const setting of settings)
    await fresh.admin.unsafe(`alter database ${fresh.name} set ${setting}`);
  const setup = postgres(fresh.url, { max: 1, onnotice: () => {} });
  const [company] = await setup`insert into companies default values returning id`;
  const [user] = await setup`insert into users (company_id) values (${company?.id}) returning id`;
  const [connector] =
    await setup`insert into integration_connectors (company_id) values (${company?.id}) returning id`;
  await setup.end();
  const ids = {
    company: String(company?.id),
    user: String(user?.id),
    connector: String(connector?.id),
  };
  const claims = { sub: ids.user, company_id: ids.company, roles: [ADMIN_ROLE] };
  return { fresh, ids, claims };
}

/** Server log lines written while `work` ran. */
async function serverLogDuring(admin: postgres.Sql, work: () => Promise<void>): Promise<string> {
  const logPath = await serverLogPath(admin);
  const offset = (await stat(logPath)).size;
  await work();
  await new Promise((resolve) => setTimeout(resolve, 300));
  return readFrom(logPath, offset);
}

const keyMaterial = (keyring: Keyring) => [
  keyring.active.encryptionKey,
  keyring.active.macKey.toString("hex"),
];

describe.runIf(engine === "postgres")("the server log", () => {
  it("under log_statement = 'all' contains our statements but neither the key nor the secret", async () => {
    const { fresh, ids, claims } = await freshLoggedDatabase(["log_statement = 'all'"]);
    const handle = connectPostgres(fresh.url, { max: 1 });
    const keyring = await Keyring.fromJson(keyringJson("k1", { k1: K1 }));
    const secret = `log-marker-${randomBytes(8).toString("hex")}`;
    const log = await serverLogDuring(fresh.admin, async () => {
      await withRequestContext(handle.db, { claims, role: "service_role" }, (tx) =>
        writeCredentialVersion(tx, keyring, {
          connectorId: ids.connector,
          secretJson: JSON.stringify(secret),
          rotatedBy: ids.user,
          maxVersions: 10,
        }),
      );
      const read = await withRequestContext(handle.db, { claims, role: "authenticated" }, (tx) =>
        readCredential(tx, keyring, ids.connector),
      );
      expect(JSON.parse(read.secretJson)).toBe(secret);
      await handle.close();
    });
    try {
      // The control: log_statement = 'all' did log our statements.
      expect(log).toContain("vault_write_version");
      for (const key of keyMaterial(keyring)) expect(log).not.toContain(key);
      expect(log).not.toContain(secret);
    } finally {
      await fresh.drop();
    }
  });

  it("with auto_explain verbose plans holds neither the key nor the secret", async () => {
    const { fresh, ids, claims } = await freshLoggedDatabase([
      "session_preload_libraries = 'auto_explain'",
      "auto_explain.log_min_duration = 0",
      "auto_explain.log_verbose = on",
      "auto_explain.log_nested_statements = on",
    ]);
    // The request door, as the API's least-privilege login, many times: past the five custom
    // plans after which PostgreSQL would otherwise consider a generic one.
    const handle = connectPostgres(fresh.url.replace("postgres@", `${inject("apiLogin")}@`), {
      max: 1,
    });
    const keyring = await Keyring.fromJson(keyringJson("k1", { k1: K1 }));
    const secret = `plan-marker-${randomBytes(8).toString("hex")}`;
    const log = await serverLogDuring(fresh.admin, async () => {
      for (let i = 0; i < 7; i++) {
        await handle.run(
          claims,
          writeCredentialVersionOperation(keyring, {
            connectorId: ids.connector,
            secretJson: JSON.stringify(secret),
            rotatedBy: ids.user,
            maxVersions: 10,
          }),
        );
        const read = await handle.run(claims, readCredentialOperation(keyring, ids.connector));
        expect(JSON.parse(read.secretJson)).toBe(secret);
      }
      await handle.close();
    });
    try {
      // The control: auto_explain did print verbose plans of our statements, down to the ones
      // inside the request-door functions that take the keys.
      expect(log).toContain("vault_write_version");
      expect(log).toContain("INSERT INTO public.connector_credentials");
      expect(log).toMatch(/Output: /);
      for (const key of keyMaterial(keyring)) expect(log).not.toContain(key);
      expect(log).not.toContain(secret);
    } finally {
      await fresh.drop();
    }
  });
});
