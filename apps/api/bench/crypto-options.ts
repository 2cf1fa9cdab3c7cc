// Micro-benchmark of pgp_sym_encrypt / pgp_sym_decrypt per option set, on PostgreSQL and PGlite:
// the figures behind ENCRYPTION_OPTIONS. Each call runs server-side over generate_series, so the
// numbers are the crypto itself, not round trips. `pnpm --filter @vibot/api bench:crypto`.
import { randomBytes } from "node:crypto";
import { ENCRYPTION_OPTIONS } from "@vibot/crypto";
import { connectPglite, connectPostgres, type DatabaseHandle } from "@vibot/db";
import { queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";

const OPTION_SETS = [
  ENCRYPTION_OPTIONS,
  "cipher-algo=aes256",
  "cipher-algo=aes256, s2k-mode=0, compress-algo=0",
  "cipher-algo=aes128, s2k-mode=1, compress-algo=0",
  "cipher-algo=aes256, s2k-mode=1, compress-algo=1",
];
const CALLS = 2_000;
const key = randomBytes(32).toString("hex");
const secret = JSON.stringify({
  clientId: "bench",
  clientSecret: randomBytes(24).toString("base64"),
});

async function microseconds(
  db: DatabaseHandle,
  statement: ReturnType<typeof sql>,
): Promise<number> {
  await queryRows(db.db, statement); // warm-up
  const started = performance.now();
  await queryRows(db.db, statement);
  return ((performance.now() - started) * 1000) / CALLS;
}

async function measure(name: string, db: DatabaseHandle) {
  await queryRows(db.db, sql`create extension if not exists pgcrypto`);
  for (const options of OPTION_SETS) {
    const encrypt = await microseconds(
      db,
      sql`select count(pgp_sym_encrypt(${secret} || g, ${key}, ${options})) from generate_series(1, ${CALLS}) g`,
    );
    const [sample] = await queryRows<{ ct: Uint8Array }>(
      db.db,
      sql`select pgp_sym_encrypt(${secret}, ${key}, ${options}) as ct`,
    );
    const ciphertext = Buffer.from(sample?.ct ?? []).toString("hex");
    const decrypt = await microseconds(
      db,
      sql`select count(pgp_sym_decrypt(decode(${ciphertext}, 'hex'), ${key} || left(g::text, 0))) from generate_series(1, ${CALLS}) g`,
    );
    process.stdout.write(
      `| ${name} | \`${options}\` | ${encrypt.toFixed(1)} | ${decrypt.toFixed(1)} | ${ciphertext.length / 2} |\n`,
    );
  }
}

process.stdout.write(
  `pgp_sym_* per call, µs (${CALLS} calls server-side), ${secret.length}-byte secret\n\n`,
);
process.stdout.write(
  "| engine | options | encrypt µs | decrypt µs | ciphertext bytes |\n| --- | --- | --- | --- | --- |\n",
);
const postgresUrl = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const postgres = connectPostgres(postgresUrl, { max: 1 });
await measure("PostgreSQL", postgres);
await postgres.close();
const pglite = await connectPglite(undefined);
await measure("PGlite", pglite);
await pglite.close();
