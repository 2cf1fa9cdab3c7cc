// `pnpm bench`: the product's performance figures and ratios from one run, printed and written to BENCHMARKS.md.
// Starts the API on a fresh database of the local PostgreSQL server and on embedded PGlite.
import { randomBytes } from "node:crypto";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { Keyring } from "@vibot/crypto";
import { connectPostgres } from "@vibot/db";
import { queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { measureClient } from "./client";
import { ledgerChained, withoutLedgerWrites } from "./ledger";
import { measureStagedRotations, restoreAll, softDeleteShare } from "./lifecycle";
import { ensureWrk, measure, measureAlternating, type RequestShape } from "./load";
import { runPgbench } from "./pgbench";
import { writeReport } from "./report";
import { reportRows } from "./rows";
import {
  fillEventsTo,
  fillTo,
  HOT_CONNECTOR,
  ROTATE_CONNECTORS,
  range,
  readConnector,
  readCurrentRequest,
  rotateAcrossRequest,
  rotateConnector,
  seedBench,
} from "./seed";
import { adminToken, sampleRss, startServer } from "./servers";

// `pnpm bench -- --quick` passes the `--` along: ignore it.
const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: { quick: { type: "boolean", default: false } },
});
const quick = values.quick;
const timing = quick
  ? { seconds: 2, rounds: 1, warmupSeconds: 1, pgbench: 3, rows: 100_000 }
  : { seconds: 6, rounds: 3, warmupSeconds: 2, pgbench: 10, rows: 1_000_000 };
const CONNECTIONS = 32;
const serverUrl = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = "vibot_bench";
const log = (line: string) => process.stdout.write(`${line}\n`);

const jwtSecret = randomBytes(32).toString("base64url");
const keyringJson = JSON.stringify({
  active: "b1",
  keys: { b1: randomBytes(32).toString("base64") },
  ledger: { active: "bl1", keys: { bl1: randomBytes(32).toString("base64") } },
});
const keyring = await Keyring.fromJson(keyringJson);
const token = await adminToken(jwtSecret);
const auth = { authorization: `Bearer ${token}` };
const json = { ...auth, "content-type": "application/json" };

const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`drop database if exists ${database} with (force)`);
await admin.unsafe(`create database ${database}`);
const [{ version: pgVersion } = { version: "?" }] =
  await admin`select current_setting('server_version') as version`;
const url = new URL(serverUrl);
url.pathname = `/${database}`;
const databaseUrl = url.toString();

await ensureWrk();
log(`Seeding ${databaseUrl} …`);
// The harness seeds and fills in long statements: no timeouts for its own (operator) sessions.
const handle = connectPostgres(databaseUrl, {
  max: 2,
  limits: { lockTimeoutMs: 0, statementTimeoutMs: 0 },
});
await handle.migrate();
await seedBench(handle.db, keyring);
// The API connects as a user must run it: a NOINHERIT login in authenticator.
const apiLogin = "vibot_bench_api";
await admin.unsafe(`drop role if exists ${apiLogin}`);
await admin.unsafe(`create role ${apiLogin} login noinherit in role authenticator`);
const apiUrl = new URL(databaseUrl);
apiUrl.username = apiLogin;
const floorIds = (
  await queryRows<{ id: string }>(handle.db, sql`select id from connector_credentials`)
).map((r) => r.id);

const server = await startServer({
  DATABASE_URL: apiUrl.toString(),
  // The floor's plain SELECT reads the table directly, as the operator (bench server only).
  OPERATOR_DATABASE_URL: databaseUrl,
  SUPABASE_JWT_SECRET: jwtSecret,
  CREDENTIALS_KEYRING: keyringJson,
});
const loadOptions = (request: RequestShape, connections = CONNECTIONS) => ({
  url: server.url,
  pid: server.pid,
  connections,
  ...timing,
  request,
  serverDatabase: true,
});
const load = (request: RequestShape, connections = CONNECTIONS) =>
  measure(loadOptions(request, connections));
const readCurrent = readCurrentRequest(auth);

// The floor and the current read with read auditing on (this server) and off (a second one) in
// alternating rounds: the read's ratios compare rounds of the same minutes of a shared machine.
const quiet = await startServer({
  DATABASE_URL: apiUrl.toString(),
  OPERATOR_DATABASE_URL: databaseUrl,
  SUPABASE_JWT_SECRET: jwtSecret,
  CREDENTIALS_KEYRING: keyringJson,
  CREDENTIALS_AUDIT_READS: "off",
});
log("floor and current read (1,000 rows), read auditing on and off, in alternating rounds …");
const stopRss = sampleRss(server.pid);
/** The floor's plain primary-key SELECT, as a round among others. */
const floorVariant = { request: { paths: floorIds.map((id) => `/bench/floor/${id}`) } };
const [floor, read1k, readQuiet] = await measureAlternating(loadOptions(readCurrent), [
  floorVariant,
  {},
  { target: quiet },
]);
const rssMiB = await stopRss();
await quiet.stop();
log("current read with and without 10% of versions soft-deleted, in alternating rounds …");
let deletedShare = 0;
const [readUndeleted, readDeleted] = await measureAlternating(loadOptions(readCurrent), [
  {},
  {
    enter: async () => {
      deletedShare = await softDeleteShare(handle.db, 0.1);
    },
    leave: () => restoreAll(handle.db),
  },
]);
log("batch reads of 10 and 100 connectors …");
/** A batch-read of the first `n` read connectors (each request reads all of them). */
const batchOf = (n: number): RequestShape => ({
  method: "POST",
  paths: ["/v1/credentials/batch-read"],
  headers: json,
  body: JSON.stringify({ connectorIds: range(n).map((i) => readConnector(i)) }),
});
const batch10 = await load(batchOf(10));
const batch100 = await load(batchOf(100));
log("waiting for the sequencer to chain the batch reads' events …");
const backlog = await ledgerChained(handle.db);
log(
  "rotations across distinct connectors, with and without the ledger's writes, in alternating rounds …",
);
const rotateAcross = rotateAcrossRequest(auth, "bench");
// With and without the ledger's writes in alternating rounds, so that the table's growth over
// the run weighs on both alike, and with the floor, so that rotations are held against the floor
// of the same minutes (the read step's floor was measured minutes earlier).
const [rotations, rotationsUnaudited, floorAtRotations] = await measureAlternating(
  loadOptions(rotateAcross),
  [{}, withoutLedgerWrites(handle.db), floorVariant],
);
log("staged rotations, each followed by its promote …");
const staged = await measureStagedRotations(
  server.url,
  json,
  range(ROTATE_CONNECTORS).map((n) => rotateConnector(n)),
  { seconds: timing.seconds * timing.rounds, connections: CONNECTIONS },
);
log("32 writers on one connector …");
const hot = await load({
  method: "POST",
  paths: [`/v1/connectors/${HOT_CONNECTOR}/credentials`],
  headers: json,
  body: '{"secret":{"apiKey":"sk_hot_%n"}}',
});
const [hotState] = await queryRows<{ counter: number; kept: number; newest: number }>(
  handle.db,
  sql`select last_credential_version as counter,
      (select count(*)::int from connector_credentials where connector_id = ${HOT_CONNECTOR}) as kept,
      (select max(version) from connector_credentials where connector_id = ${HOT_CONNECTOR}) as newest
    from integration_connectors where id = ${HOT_CONNECTOR}`,
);
await ledgerChained(handle.db);
log("client: cached getCurrent and invalidation by the change feed …");
const client = await measureClient(server.url, token, readConnector(1), {
  seconds: quick ? 1 : 3,
  rotations: 100,
});
log(`filling the table to ${timing.rows.toLocaleString("en")} rows …`);
const filled = await fillTo(handle.db, timing.rows);
const readMillion = await load(readCurrent);
log(`filling the audit ledger to ${timing.rows.toLocaleString("en")} events …`);
const events = await fillEventsTo(handle.db, timing.rows);
const readMillionEvents = await load(readCurrent);
await server.stop();

log("pgbench …");
const pg = await runPgbench(databaseUrl, apiUrl.toString(), keyring, timing.pgbench);
await handle.close();
await admin.unsafe(`drop database if exists ${database} with (force)`);
await admin.unsafe(`drop role if exists ${apiLogin}`);
await admin.end();

log("embedded PGlite …");
const embedded = await startServer(
  {
    DATABASE_URL: undefined,
    PGLITE_DATA_DIR: "memory://",
    SUPABASE_JWT_SECRET: jwtSecret,
    CREDENTIALS_KEYRING: keyringJson,
  },
  ["--seed"],
);
const pglite = await measure({
  url: embedded.url,
  pid: embedded.pid,
  connections: CONNECTIONS,
  ...timing,
  request: readCurrent,
});
await embedded.stop();

const rows = reportRows({
  floor,
  read1k,
  readQuiet,
  readUndeleted,
  readDeleted,
  deletedShare,
  rotations,
  rotationsUnaudited,
  floorAtRotations,
  staged,
  hot,
  hotState,
  filled,
  readMillion,
  events,
  readMillionEvents,
  pglite,
  client,
  batch10,
  batch100,
  backlog,
  rssMiB,
  pg,
});
const errors =
  [
    floor,
    read1k,
    readQuiet,
    readUndeleted,
    readDeleted,
    rotations,
    rotationsUnaudited,
    floorAtRotations,
    readMillion,
    readMillionEvents,
    pglite,
  ].reduce((n, f) => n + f.non2xx, 0) + staged.failed;
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${pgVersion}, PGlite 0.5 (PostgreSQL 18)`;
const table = await writeReport({ rows, machine, quick, errors, connections: CONNECTIONS, timing });
log(table);
process.exit(errors === 0 ? 0 : 1);
