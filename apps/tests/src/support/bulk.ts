// Many credential rows at once (as the superuser, in one statement), and the operator commands
// run as real child processes.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type Keyring, keyringTableSql } from "@vibot/crypto";
import { insertVersionsInBulk, queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";
import { JWT_SECRET } from "./api";
import type { TestDatabase } from "./database";
import type { Tenant } from "./fixtures";

/** The secret of version `n` in bulk-seeded data. */
export const bulkSecret = (n: number) => `{"n":${n}}`;

/** Writes versions 1..count of the tenant's connector under the keyring's active kid. */
export async function seedVersions(
  db: TestDatabase,
  keyring: Keyring,
  tenant: Tenant,
  count: number,
) {
  await insertVersionsInBulk(db.operator.db, keyring, {
    from: sql`generate_series(1, ${count}) g`,
    companyId: sql`${tenant.companyId}`,
    connectorId: sql`${tenant.connectorId}`,
    version: sql`g`,
    secretJson: sql`'{"n":' || g || '}'`,
    rotatedBy: sql`${tenant.adminId}`,
    rotatedAt: sql`now() - make_interval(secs => ${count} - g)`,
  });
  await db.query("update integration_connectors set last_credential_version = $1 where id = $2", [
    count,
    tenant.connectorId,
  ]);
}

/**
 * Rows whose ciphertext decrypts, under the keyring's key for the kid its checksum names (one of
 * `kids`), to the bulk secret of its version. One statement, so one snapshot: a re-encryption
 * committing meanwhile cannot make a row count twice.
 */
export async function rowsDecryptingToOriginal(
  db: TestDatabase,
  keyring: Keyring,
  ...kids: string[]
): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db.operator.db,
    sql`select count(*)::int as n from connector_credentials c
      join ${keyringTableSql(keyring, "k")} on k.kid = split_part(c.checksum, ':', 2)
      where k.kid in (select jsonb_array_elements_text(${JSON.stringify(kids)}::jsonb))
        and public.vault_pgp_sym_decrypt(c.secret_ciphertext, k.enc) = '{"n":' || c.version || '}'`,
  );
  return row?.n ?? 0;
}

const apiDir = fileURLToPath(new URL("../../../api", import.meta.url));

export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `pnpm reencrypt` / `pnpm verify-integrity`'s script in a child process group.
 * `killWhen` sends SIGKILL to the whole group once stderr matches it.
 */
export function runCommand(
  script: "reencrypt" | "verify-integrity",
  args: string[],
  env: Record<string, string>,
  killWhen?: RegExp,
): Promise<CommandRun> {
  const { DATABASE_URL: _, PGLITE_DATA_DIR: __, ...inherited } = process.env;
  const child = spawn(`${apiDir}/node_modules/.bin/tsx`, [`src/commands/${script}.ts`, ...args], {
    cwd: apiDir,
    env: { ...inherited, SUPABASE_JWT_SECRET: JWT_SECRET, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    if (killWhen?.test(stderr) && child.pid) {
      killWhen = undefined;
      process.kill(-child.pid, "SIGKILL");
    }
  });
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}
