import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { SignJWT } from "jose";
import { ADMIN_ROLE } from "@vibot/db";
import { startServer } from "../servers";
import { ADMIN, COMPANY, readConnector } from "../seed";
import postgres from "postgres";

// Re-key: seed used another keyring; reuse by reseeding with a fixed keyring.
const keyringJson = process.env.KR as string;
const jwtSecret = randomBytes(32).toString("base64url");
const token = await new SignJWT({ company_id: COMPANY, roles: [ADMIN_ROLE], role: "authenticated" })
  .setProtectedHeader({ alg: "HS256" }).setSubject(ADMIN).setAudience("authenticated").setIssuedAt().setExpirationTime("2h")
  .sign(new TextEncoder().encode(jwtSecret));
const server = await startServer({
  DATABASE_URL: "postgres://vibot_pgx_api@127.0.0.1:5432/vibot_pgx",
  OPERATOR_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/vibot_pgx",
  SUPABASE_JWT_SECRET: jwtSecret,
  CREDENTIALS_KEYRING: keyringJson,
  CREDENTIALS_AUDIT_READS: process.env.AUDIT ?? "on",
});
const lua = `/tmp/paths.lua`;
const paths = Array.from({ length: 200 }, (_, i) => `"/v1/connectors/${readConnector(i + 1)}/credentials/current"`);
(await import("node:fs")).writeFileSync(lua, `local p={${paths.join(",")}}\nlocal i=0\nrequest=function() i=i+1 return wrk.format("GET", p[(i % #p)+1], {["authorization"]="Bearer ${token}"}) end\n`);
const check = await fetch(`${server.url}/v1/connectors/${readConnector(1)}/credentials/current`, { headers: { authorization: `Bearer ${token}` } });
console.log("check", check.status, (await check.text()).slice(0, 80));
const before = execFileSync("cat", [`/proc/${server.pid}/stat`]).toString().split(" ");
const out = execFileSync("wrk", ["-t2", "-c32", "-d8s", "-s", lua, server.url]).toString();
const after = execFileSync("cat", [`/proc/${server.pid}/stat`]).toString().split(" ");
const ticks = Number(after[13]) + Number(after[14]) - Number(before[13]) - Number(before[14]);
const reqs = Number(/(\d+) requests in/.exec(out)?.[1]);
console.log(out.split("\n").filter((l) => /Req\/Sec|requests in|Latency|Non-2xx/.test(l)).join("\n"));
console.log("API CPU us/req", Math.round((ticks * 10_000) / reqs));
await server.stop();
