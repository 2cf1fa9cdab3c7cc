// Seeds the bench's data in database vibot_probe and writes to the directory given (run.sh uses
// it) pgbench scripts of the door's rotation (the write lane's statement) and of the API's
// sequencer step, with their variables.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Keyring } from "@vibot/crypto";
import {
  ADMIN_ROLE,
  connectPostgres,
  verifyKeyring,
  writeCredentialVersionOperation,
} from "@vibot/db";
import postgres from "postgres";
import { batchScript, capture } from "../../pgbench-scripts";
import { ADMIN, COMPANY, ROTATE_CONNECTORS, rotateConnector, seedBench } from "../../seed";

const out = process.argv[2] ?? ".";
const keyring = await Keyring.fromJson(
  JSON.stringify({
    active: "b1",
    keys: { b1: randomBytes(32).toString("base64") },
    ledger: { active: "bl1", keys: { bl1: randomBytes(32).toString("base64") } },
  }),
);
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
const api = connectPostgres(apiUrl, { max: 1 });
await verifyKeyring(api, keyring); // registers the ledger key, as the API does at start
await api.close();
const claims = { sub: ADMIN, company_id: COMPANY, roles: [ADMIN_ROLE], role: "authenticated" };
const probe = rotateConnector(ROTATE_CONNECTORS);
const rotation = (
  await capture(
    apiUrl,
    claims,
    writeCredentialVersionOperation(keyring, {
      connectorId: probe,
      secretJson: '{"apiKey":"pgbench"}',
      rotatedBy: ADMIN,
      maxVersions: 10,
    }),
  )
).find((s) => s.query.includes("vault_write_versions("));
if (!rotation) throw new Error("the door sent no rotation on the write lane");
const at = (n: string) => `('d0000000-0000-4000-8000-' || lpad(:${n}::text, 12, '0'))::uuid`;
const s = batchScript(rotation, probe, at, ROTATE_CONNECTORS);
await writeFile(join(out, "rotation.sql"), s.text);
await writeFile(join(out, "rotation.defines"), s.defines.map((d) => `-D\n${d}`).join("\n"));
const { kids, keys } = keyring.ledger.toParameters();
await writeFile(
  join(out, "chain.sql"),
  // As the API's sequencer sends it: the login's NOINHERIT role taken for the transaction.
  "begin;\nset local role authenticator;\nselect public.vault_chain_events(:kids, :keys, 1000);\ncommit;\n\\sleep 5 ms\n",
);
await writeFile(join(out, "chain.defines"), `-D\nkids=${kids}\n-D\nkeys=${keys}`);
process.exit(0);
