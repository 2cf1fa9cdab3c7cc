// Database-level figures with pgbench (-M prepared, 8 clients): the exact messages the request door
// sends for a current read and for a rotation (pgbench-scripts.ts, sent as the API's login), each
// against a plain baseline or its hand-written equivalent in the same run.
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Keyring } from "@vibot/crypto";
import {
  ADMIN_ROLE,
  connectPostgres,
  MAX_READ_BATCH,
  readCredentialOperation,
  writeCredentialVersionOperation,
} from "@vibot/db";
import { queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";
import { equivalentScripts, type Script } from "./equivalents";
import { batchScript, capture, script } from "./pgbench-scripts";
import {
  ADMIN,
  COMPANY,
  READ_CONNECTORS,
  ROTATE_CONNECTORS,
  readConnector,
  rotateConnector,
} from "./seed";

const run = promisify(execFile);

async function pgbench(
  url: string,
  file: string,
  defines: string[],
  seconds: number,
): Promise<number> {
  const args = ["-n", "-M", "prepared", "-c", "8", "-j", "2", "-T", String(seconds), "-f", file];
  for (const define of defines) args.push("-D", define);
  const { stdout } = await run("pgbench", [...args, url], { maxBuffer: 16 * 1024 * 1024 });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
  if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
  return Number(tps);
}

export interface PgbenchFigures {
  plainSelect: number;
  currentRead: number;
  /** One read alone, read auditing off. */
  currentReadQuiet: number;
  /** Reads per second, MAX_READ_BATCH of them committed together per transaction. */
  currentReadBatched: number;
  plainInsert: number;
  rotation: number;
  /** Each hand-written equivalent (equivalents.ts), run in alternation with the product's. */
  equivalents: { readQuiet: number; read: number; rotation: number };
  /** The product's figure from the same alternating rounds as its equivalent's. */
  paired: { readQuiet: number; read: number; rotation: number };
}

/** Median tps of `rounds` alternating runs of a and b (a first in odd rounds, b in even). */
async function alternating(
  rounds: number,
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<[number, number]> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
  return [median(as), median(bs)];
}

/**
 * `url` is the operator's (baselines, setup); `apiUrl` the API's least-privilege login, which
 * sends the API's own messages.
 */
export async function runPgbench(
  url: string,
  apiUrl: string,
  keyring: Keyring,
  seconds: number,
): Promise<PgbenchFigures> {
  const claims = { sub: ADMIN, company_id: COMPANY, roles: [ADMIN_ROLE], role: "authenticated" };
  const probeRead = readConnector(1);
  const audit = { requestId: "pgbench", reads: true };
  const read = await capture(
    apiUrl,
    claims,
    readCredentialOperation(keyring, probeRead, undefined, audit),
  );
  // Reads of one moment, as the door commits them together: their one statement.
  const batch = (
    await capture(
      apiUrl,
      claims,
      ...Array.from({ length: MAX_READ_BATCH }, () =>
        readCredentialOperation(keyring, probeRead, undefined, audit),
      ),
    )
  ).find((statement) => statement.query.includes("vault_read_credentials("));
  if (!batch) throw new Error("the door sent no batched read");
  // The same read with read auditing off (CREDENTIALS_AUDIT_READS=off): no event, no WAL flush.
  const quietRead = await capture(
    apiUrl,
    claims,
    readCredentialOperation(keyring, probeRead, undefined, { ...audit, reads: false }),
  );
  const probeRotate = rotateConnector(ROTATE_CONNECTORS);
  const rotation = await capture(
    apiUrl,
    claims,
    writeCredentialVersionOperation(keyring, {
      connectorId: probeRotate,
      secretJson: '{"apiKey":"pgbench"}',
      rotatedBy: ADMIN,
      maxVersions: 10,
    }),
  );

  const setup = connectPostgres(url, { max: 1 });
  await queryRows(
    setup.db,
    sql`create table if not exists bench_plain (id int primary key, payload bytea not null)`,
  );
  await queryRows(
    setup.db,
    sql`create table if not exists bench_insert (id bigserial primary key, payload bytea not null)`,
  );
  await queryRows(
    setup.db,
    sql`insert into bench_plain select n, gen_random_bytes(200) from generate_series(1, 1000) n on conflict do nothing`,
  );
  await setup.close();

  const dir = await mkdtemp(join(tmpdir(), "vibot-pgbench-"));
  const files = {
    select: join(dir, "select.sql"),
    insert: join(dir, "insert.sql"),
    read: join(dir, "read.sql"),
    quietRead: join(dir, "read-quiet.sql"),
    rotation: join(dir, "rotation.sql"),
    readBatch: join(dir, "read-batch.sql"),
  };
  const payload = Buffer.alloc(200, 7).toString("hex");
  await writeFile(
    files.select,
    "\\set n random(1, 1000)\nselect id, payload from bench_plain where id = :n;\n",
  );
  await writeFile(
    files.insert,
    "insert into bench_insert (payload) values (decode(:payload, 'hex'));\n",
  );
  // pgbench computes a random connector's id from a number (the seed's deterministic ids).
  const idAt = (prefix: string) => (n: string) =>
    `('${prefix}-0000-4000-8000-' || lpad(:${n}::text, 12, '0'))::uuid`;
  const readConnectorAt = idAt("c0000000");
  const rotateAt = idAt("d0000000");
  const readScript = script(read, probeRead, readConnectorAt, READ_CONNECTORS);
  const quietReadScript = script(quietRead, probeRead, readConnectorAt, READ_CONNECTORS);
  const readBatchScript = batchScript(batch, probeRead, readConnectorAt, READ_CONNECTORS);
  // A rotation as the write lane sends it alone: the batched statement of one write.
  const rotationStatement = rotation.find((s) => s.query.includes("vault_write_versions("));
  if (!rotationStatement) throw new Error("the door sent no rotation on the write lane");
  const rotationScript = batchScript(rotationStatement, probeRotate, rotateAt, ROTATE_CONNECTORS);
  await writeFile(files.read, readScript.text);
  await writeFile(files.quietRead, quietReadScript.text);
  await writeFile(files.rotation, rotationScript.text);
  await writeFile(files.readBatch, readBatchScript.text);

  const equivalent = equivalentScripts(
    keyring,
    { claims: JSON.stringify(claims), company: COMPANY, actor: ADMIN },
    { connectorAt: readConnectorAt, count: READ_CONNECTORS },
    { connectorAt: rotateAt, count: ROTATE_CONNECTORS },
  );
  const equivalentFiles = {
    readQuiet: join(dir, "equivalent-read-quiet.sql"),
    read: join(dir, "equivalent-read.sql"),
    rotation: join(dir, "equivalent-rotation.sql"),
  };
  for (const key of ["readQuiet", "read", "rotation"] as const)
    await writeFile(equivalentFiles[key], equivalent[key].text);
  const pair = (product: [string, Script], key: keyof typeof equivalent) =>
    alternating(
      3,
      () => pgbench(apiUrl, product[0], product[1].defines, seconds),
      () => pgbench(url, equivalentFiles[key], equivalent[key].defines, seconds),
    );
  const [pairedQuiet, equivalentQuiet] = await pair(
    [files.quietRead, quietReadScript],
    "readQuiet",
  );
  const [pairedRead, equivalentRead] = await pair([files.read, readScript], "read");
  const [pairedRotation, equivalentRotation] = await pair(
    [files.rotation, rotationScript],
    "rotation",
  );

  return {
    equivalents: { readQuiet: equivalentQuiet, read: equivalentRead, rotation: equivalentRotation },
    paired: { readQuiet: pairedQuiet, read: pairedRead, rotation: pairedRotation },
    plainSelect: await pgbench(url, files.select, [], seconds),
    currentRead: await pgbench(apiUrl, files.read, readScript.defines, seconds),
    currentReadQuiet: await pgbench(apiUrl, files.quietRead, quietReadScript.defines, seconds),
    currentReadBatched:
      readBatchScript.size *
      (await pgbench(apiUrl, files.readBatch, readBatchScript.defines, seconds)),
    plainInsert: await pgbench(url, files.insert, [`payload=${payload}`], seconds),
    rotation: await pgbench(apiUrl, files.rotation, rotationScript.defines, seconds),
  };
}
