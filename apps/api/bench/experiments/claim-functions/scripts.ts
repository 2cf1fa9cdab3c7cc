// Seeds the bench's data in database vibot_probe and writes pgbench scripts of the door's current
// read (read auditing off and on) with their variables to the directory given (run.sh uses it).
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Keyring } from "@vibot/crypto";
import { ADMIN_ROLE, connectPostgres, readCredentialOperation } from "@vibot/db";
import postgres from "postgres";
import { capture, script } from "../../pgbench-scripts";
import { ADMIN, COMPANY, READ_CONNECTORS, readConnector, seedBench } from "../../seed";

const out = process.argv[2] ?? ".";
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
const url = "postgres://postgres@127.0.0.1:5432/vibot_probe";
const handle = connectPostgres(url, {
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
const claims = { sub: ADMIN, company_id: COMPANY, roles: [ADMIN_ROLE], role: "authenticated" };
const at = (n: string) => `('c0000000-0000-4000-8000-' || lpad(:${n}::text, 12, '0'))::uuid`;
for (const reads of [false, true]) {
  const op = readCredentialOperation(keyring, readConnector(1), undefined, {
    requestId: "probe",
    reads,
  });
  const s = script(await capture(apiUrl, claims, op), readConnector(1), at, READ_CONNECTORS);
  const name = reads ? "on" : "off";
  await writeFile(join(out, `read-${name}.sql`), s.text);
  await writeFile(join(out, `read-${name}.defines`), s.defines.map((d) => `-D\n${d}`).join("\n"));
}
process.exit(0);
