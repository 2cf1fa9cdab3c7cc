import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { Keyring } from "@vibot/crypto";
import { ADMIN_ROLE, connectPostgres, readCredentialOperation } from "@vibot/db";
import postgres from "postgres";
import { ADMIN, COMPANY, readConnector, seedBench } from "../seed";

const keyringJson = process.env.KR as string;
const keyring = await Keyring.fromJson(keyringJson);
const admin = postgres("postgres://postgres@127.0.0.1:5432/postgres", { max: 1, onnotice: () => {} });
await admin.unsafe("drop database if exists vibot_pgx with (force)");
await admin.unsafe("create database vibot_pgx");
const url = "postgres://postgres@127.0.0.1:5432/vibot_pgx";
const handle = connectPostgres(url, { max: 2, limits: { lockTimeoutMs: 0, statementTimeoutMs: 0 } });
await handle.migrate();
await seedBench(handle.db, keyring);
await admin.unsafe("drop role if exists vibot_pgx_api");
await admin.unsafe("create role vibot_pgx_api login noinherit in role authenticator");
const claims = { sub: ADMIN, company_id: COMPANY, roles: [ADMIN_ROLE], role: "authenticated" };
for (const reads of [true, false]) {
  const statements: { query: string; params: unknown[] }[] = [];
  const h = connectPostgres(url.replace("postgres@", "vibot_pgx_api@"), { max: 1, logger: { logQuery: (query, params) => statements.push({ query, params }) } });
  await h.run(claims, readCredentialOperation(keyring, readConnector(1), undefined, { actor: ADMIN, requestId: "r", reads }));
  await h.close();
  const s = statements[0];
  const defines: string[] = [];
  const q = s.query.replace(/\$(\d+)/g, (_, i) => {
    const v = s.params[Number(i) - 1];
    if (v === readConnector(1)) return "('c0000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid";
    if (v === null || v === undefined) return "NULL";
    defines.push(`p${i}=${typeof v === "string" ? v : JSON.stringify(v)}`);
    return `:p${i}`;
  });
  await writeFile(`/tmp/read-${reads ? "on" : "off"}.sql`, `\\set n random(1, 200)\n${q.replace(/\s*\n\s*/g, " ")};\n`);
  await writeFile(`/tmp/read-${reads ? "on" : "off"}.defs`, defines.map((d) => `-D ${d}`).join("\n"));
}
console.log(keyring.toParameters());
await handle.close();
await admin.end();
