// Seeds the bench's data in database vibot_probe and writes to the directory given (run.sh uses
// it) pgbench scripts of the door's rotation (the write lane's statement) and of the API's
// sequencer step, with their variables.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeCredentialVersionOperation } from "@vibot/db";
import { batchScript, capture } from "../../pgbench-scripts";
import { ADMIN, ROTATE_CONNECTORS, rotateConnector } from "../../seed";
import { probeClaims as claims, openProbe } from "../probe";

const out = process.argv[2] ?? ".";
const { keyring, apiUrl } = await openProbe();
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
