// Seeds the bench's data in database vibot_probe and writes pgbench scripts of the door's current
// read (read auditing off and on) with their variables to the directory given (run.sh uses it).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readCredentialOperation } from "@vibot/db";
import { capture, script } from "../../pgbench-scripts";
import { READ_CONNECTORS, readConnector } from "../../seed";
import { probeClaims as claims, openProbe } from "../probe";

const out = process.argv[2] ?? ".";
const { keyring, apiUrl } = await openProbe();
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
