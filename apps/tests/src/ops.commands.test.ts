// The operator commands as real child processes: a re-encryption killed with SIGKILL part-way
// finishes on rerun with nothing lost, and verify-integrity's exit code tells clean from tampered.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeChecksum, Keyring } from "@vibot/crypto";
import { chainEventsOperation, rowsByKid, verifyKeyring } from "@vibot/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsDecryptingToOriginal, runCommand, seedVersions } from "./support/bulk";
import { openSharedTestDatabase, type TestDatabase } from "./support/database";
import { seedTenant, type Tenant } from "./support/fixtures";
import { K1, K2, keyringJson } from "./support/keys";

const ROWS = 20_000;
let dir: string;
let db: TestDatabase;
let a: Tenant;
let b: Tenant;
let rotatedJson: string;
let rotated: Keyring;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vibot-ops-"));
  db = await openSharedTestDatabase(join(dir, "pglite"));
  a = await seedTenant(db, "A");
  b = await seedTenant(db, "B");
  await seedVersions(db, await Keyring.fromJson(keyringJson("k1", { k1: K1 })), a, ROWS);
  rotatedJson = keyringJson("k2", { k1: K1, k2: K2 });
  rotated = await Keyring.fromJson(rotatedJson);
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe("pnpm reencrypt", () => {
  it("prints what it would do with --dry-run, changing nothing", async () => {
    const run = await db.handOver(() =>
      runCommand("reencrypt", ["--dry-run"], { ...db.childEnv, CREDENTIALS_KEYRING: rotatedJson }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Rows by kid: k1: ${ROWS}. To re-encrypt: ${ROWS}.`);
    expect(await rowsByKid(db.operator.db)).toEqual([{ kid: "k1", rows: ROWS }]);
  });

  it("finishes after a SIGKILL part-way, with no row lost or corrupted", async () => {
    const env = { ...db.childEnv, CREDENTIALS_KEYRING: rotatedJson };
    const killed = await db.handOver(() =>
      // Killed at the first progress line showing 1..19,999 rows done.
      runCommand("reencrypt", ["--batch-size", "25"], env, /\b([1-9]\d{0,3}|1\d{4})\/20000\b/),
    );
    expect(killed.code, killed.stderr).toBe(null); // killed by the signal
    const partial = await rowsByKid(db.operator.db);
    const moved = partial.find((r) => r.kid === "k2")?.rows ?? 0;
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(ROWS);
    expect(partial.reduce((n, r) => n + r.rows, 0)).toBe(ROWS);
    // Every row, old kid or new, still decrypts to its original secret.
    expect(await rowsDecryptingToOriginal(db, rotated, "k1", "k2")).toBe(ROWS);

    const rerun = await db.handOver(() => runCommand("reencrypt", [], env));
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    // A batch whose COMMIT reached the server before the kill may land after `partial` was read,
    // so the rerun's own count of rows left is the reference.
    const left = Number(/To re-encrypt: (\d+)/.exec(rerun.stdout)?.[1]);
    expect(left).toBeLessThanOrEqual(ROWS - moved);
    expect(rerun.stdout).toMatch(
      new RegExp(`Re-encrypted ${left} rows in [\\d.]+ s \\(\\d+ rows/s\\); 0 failed; 0 remaining`),
    );
    expect(await rowsByKid(db.operator.db)).toEqual([{ kid: "k2", rows: ROWS }]);
    expect(await rowsDecryptingToOriginal(db, rotated, "k2")).toBe(ROWS);
  });
});

describe("pnpm verify-integrity", () => {
  it("exits 0 on a clean database and reports every row", async () => {
    const run = await db.handOver(() =>
      runCommand("verify-integrity", ["--json"], {
        ...db.childEnv,
        CREDENTIALS_KEYRING: rotatedJson,
      }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ scanned: ROWS, ok: ROWS, failed: [] });
  });

  it("prints a checkpoint, and proves the ledger extends it or exits non-zero", async () => {
    // The re-encryption above recorded its events; chain them as an API process would.
    await verifyKeyring(db.handle, rotated);
    while ((await db.handle.run({}, chainEventsOperation(rotated))) > 0);
    const first = await db.handOver(() =>
      runCommand("verify-integrity", [], { ...db.childEnv, CREDENTIALS_KEYRING: rotatedJson }),
    );
    expect(first.code, first.stderr).toBe(0);
    const checkpoint = /^Checkpoint: (\S+)$/m.exec(first.stdout)?.[1] ?? "";
    expect(checkpoint).toMatch(/^\d+@ledger-v2:l1:[0-9a-f]{64}$/);
    const again = await db.handOver(() =>
      runCommand("verify-integrity", ["--checkpoint", checkpoint], {
        ...db.childEnv,
        CREDENTIALS_KEYRING: rotatedJson,
      }),
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("the ledger extends it");
    const forged = checkpoint.replace(/[0-9a-f]$/, (c) => (c === "0" ? "1" : "0"));
    const refused = await db.handOver(() =>
      runCommand("verify-integrity", ["--checkpoint", forged], {
        ...db.childEnv,
        CREDENTIALS_KEYRING: rotatedJson,
      }),
    );
    expect(refused.code, refused.stdout).toBe(1);
    expect(refused.stdout).toContain("no longer extends it");
  });

  it("detects each kind of tampering, naming ids and never data, and exits non-zero", async () => {
    await seedVersions(db, rotated, b, 2);
    const at = (version: number, connector = a.connectorId) => [connector, version];
    const set = (assignment: string, version: number) =>
      db.query(
        `update connector_credentials set ${assignment} where connector_id = $1 and version = $2`,
        at(version),
      );
    await set(
      "secret_ciphertext = set_byte(secret_ciphertext, 25, get_byte(secret_ciphertext, 25) # 4)",
      1,
    );
    await set(
      "checksum = regexp_replace(checksum, '.$', case when right(checksum, 1) = 'f' then 'e' else 'f' end)",
      2,
    );
    await db.query(
      `update connector_credentials t set secret_ciphertext = s.secret_ciphertext, checksum = s.checksum
       from connector_credentials s where s.connector_id = $1 and s.version = 1 and t.connector_id = $2 and t.version = 3`,
      [b.connectorId, a.connectorId],
    );
    await set("version = 100000", 4);
    await set("checksum = regexp_replace(checksum, ':k2:', ':k9:')", 5);
    // A checksum that verifies over a ciphertext pgcrypto cannot decrypt.
    const garbage = Buffer.from("not a pgp message at all");
    const checksum = computeChecksum(rotated.active.macKey, {
      companyId: a.companyId,
      connectorId: a.connectorId,
      version: 6,
      kid: "k2",
      ciphertext: garbage,
    });
    await db.query(
      "update connector_credentials set secret_ciphertext = $3, checksum = $4 where connector_id = $1 and version = $2",
      [...at(6), garbage, checksum],
    );

    const run = await db.handOver(() =>
      runCommand("verify-integrity", [], { ...db.childEnv, CREDENTIALS_KEYRING: rotatedJson }),
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain(`Verified ${ROWS + 2} rows`);
    expect(run.stdout).toContain(`${ROWS + 2 - 6} ok, 6 failed`);
    const failures = [
      ...run.stdout.matchAll(/FAILED (\w+) id=\S+ connector=(\S+) version=(\d+)/g),
    ].map((m) => `${m[1]}:${m[3]}`);
    expect(failures.sort()).toEqual(
      [
        "checksum_mismatch:1",
        "checksum_mismatch:2",
        "checksum_mismatch:3",
        "checksum_mismatch:100000",
        "unknown_key:5",
        "undecryptable:6",
      ].sort(),
    );
    expect(run.stdout).not.toMatch(/"n":/);
  });
});
