// With log_statement = 'all', the PostgreSQL server log holds neither a key nor a secret.
import { randomBytes } from "node:crypto";
import { open, stat } from "node:fs/promises";
import { Keyring } from "@vibot/crypto";
import {
  connectPostgres,
  readCredential,
  withRequestContext,
  writeCredentialVersion,
} from "@vibot/db";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
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

describe.runIf(engine === "postgres")("the server log under log_statement = 'all'", () => {
  it("contains our statements but neither the key nor the secret", async () => {
    const fresh = await createEmptyDatabase("vibot_log");
    const migrator = connectPostgres(fresh.url, { max: 1 });
    await migrator.migrate();
    await migrator.close();
    await fresh.admin.unsafe(`alter database ${fresh.name} set log_statement = 'all'`);
    const logPath = await serverLogPath(fresh.admin);
    const offset = (await stat(logPath)).size;

    const handle = connectPostgres(fresh.url, { max: 1 });
    const keyring = await Keyring.fromJson(keyringJson("k1", { k1: K1 }));
    const secret = `log-marker-${randomBytes(8).toString("hex")}`;
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
    const claims = { sub: ids.user, company_id: ids.company, roles: ["Vibot.admin"] };
    await withRequestContext(handle.db, { claims, role: "service_role" }, (tx) =>
      writeCredentialVersion(tx, keyring, {
        connectorId: ids.connector,
        plaintext: JSON.stringify(secret),
        rotatedBy: ids.user,
        maxVersions: 10,
      }),
    );
    const read = await withRequestContext(handle.db, { claims, role: "authenticated" }, (tx) =>
      readCredential(tx, keyring, ids.connector),
    );
    expect(JSON.parse(read.plaintext)).toBe(secret);
    await handle.close();
    await new Promise((resolve) => setTimeout(resolve, 300));

    const log = await readFrom(logPath, offset);
    try {
      // The control: log_statement = 'all' did log our statements.
      expect(log).toContain("pgp_sym_encrypt");
      expect(log).not.toContain(keyring.active.encryptionKey);
      expect(log).not.toContain(keyring.active.macKey.toString("hex"));
      expect(log).not.toContain(secret);
    } finally {
      await fresh.drop();
    }
  });
});
