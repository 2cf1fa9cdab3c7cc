// Secrets round-trip through pgcrypto; tampering of every kind is detected; keys stay off the wire
// text, out of the server log and the plaintext off the disk.
import { randomBytes } from "node:crypto";
import { IntegrityError, Keyring } from "@vibot/crypto";
import type { Logger } from "drizzle-orm/logger";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readBack, rotate } from "./support/credentials";
import { engine, openTestDatabase, type TestDatabase } from "./support/database";
import { seedTenant, type Tenant } from "./support/fixtures";
import { K1, K2, keyringJson } from "./support/keys";

const sent: { query: string; params: unknown[] }[] = [];
const logger: Logger = { logQuery: (query, params) => sent.push({ query, params }) };

let db: TestDatabase;
let keyring: Keyring;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  db = await openTestDatabase({ logger });
  keyring = await Keyring.fromJson(keyringJson("k1", { k1: K1 }));
});
beforeEach(async () => {
  a = await seedTenant(db, "A");
  b = await seedTenant(db, "B");
});
afterAll(async () => {
  await db.close();
});

describe("round trips", () => {
  it.each([
    ["a plain string", "sk_live_51H8"],
    ["an object", { clientId: "abc", clientSecret: "s3cr3t", scopes: ["read", "write"] }],
    ["non-ASCII text", { note: "密钥 🔑 ключ é" }],
    ["an empty object", {}],
    ["a 64 KiB secret", { blob: "x".repeat(65_536 - 12) }],
  ])("returns %s exactly as written", async (_, secret) => {
    const written = await rotate(db, keyring, a, secret);
    expect(written.version).toBe(1);
    const read = await readBack(db, keyring, a);
    expect(JSON.parse(read.secretJson)).toEqual(secret);
    expect(read).toMatchObject({
      id: written.id,
      version: 1,
      connectorId: a.connectorId,
      rotatedBy: a.adminId,
    });
  });

  it("gives every write a fresh ciphertext, even through a reused prepared statement", async () => {
    for (let i = 0; i < 20; i++) await rotate(db, keyring, a, "same secret", 50);
    const rows = await db.query<{ ct: string }>(
      "select encode(secret_ciphertext, 'hex') as ct from connector_credentials where connector_id = $1",
      [a.connectorId],
    );
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((r) => r.ct)).size).toBe(20);
  });
});

describe("tampering is detected, and nothing decrypted is returned", () => {
  const expectIntegrity = async (promise: Promise<unknown>, reason: string) => {
    const error = await promise.then(
      (value) => value,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).reason).toBe(reason);
  };

  it("detects a flipped ciphertext byte", async () => {
    await rotate(db, keyring, a, { k: "v" });
    await db.query(
      "update connector_credentials set secret_ciphertext = set_byte(secret_ciphertext, 20, get_byte(secret_ciphertext, 20) # 1) where connector_id = $1",
      [a.connectorId],
    );
    await expectIntegrity(readBack(db, keyring, a), "checksum_mismatch");
  });

  it("detects a changed checksum", async () => {
    await rotate(db, keyring, a, { k: "v" });
    await db.query(
      "update connector_credentials set checksum = left(checksum, -1) || case when right(checksum, 1) = '0' then '1' else '0' end where connector_id = $1",
      [a.connectorId],
    );
    await expectIntegrity(readBack(db, keyring, a), "checksum_mismatch");
  });

  it("detects a ciphertext and checksum copied from another row of the same company", async () => {
    await rotate(db, keyring, a, "version one");
    await rotate(db, keyring, a, "version two");
    await db.query(
      `update connector_credentials t set secret_ciphertext = s.secret_ciphertext, checksum = s.checksum
       from connector_credentials s where s.connector_id = t.connector_id and s.version = 1 and t.version = 2 and t.connector_id = $1`,
      [a.connectorId],
    );
    await expectIntegrity(readBack(db, keyring, a, 2), "checksum_mismatch");
  });

  it("detects a ciphertext and checksum copied from another company", async () => {
    await rotate(db, keyring, a, "A's secret");
    await rotate(db, keyring, b, "B's secret");
    await db.query(
      `update connector_credentials t set secret_ciphertext = s.secret_ciphertext, checksum = s.checksum
       from connector_credentials s where s.connector_id = $1 and t.connector_id = $2`,
      [b.connectorId, a.connectorId],
    );
    await expectIntegrity(readBack(db, keyring, a), "checksum_mismatch");
  });

  it("detects a changed version number", async () => {
    await rotate(db, keyring, a, "v1");
    // Moved to version 5, and the current pointer with it: the row now claims another version.
    await db.query("update connector_credentials set version = 5 where connector_id = $1", [
      a.connectorId,
    ]);
    await db.query("update integration_connectors set current_version = 5 where id = $1", [
      a.connectorId,
    ]);
    await expectIntegrity(readBack(db, keyring, a), "checksum_mismatch");
  });

  it("detects a row whose kid is not in the keyring", async () => {
    await rotate(db, keyring, a, "v1");
    const other = await Keyring.fromJson(keyringJson("k2", { k2: K2 }));
    await expectIntegrity(readBack(db, other, a), "unknown_key");
  });

  it("detects a keyring whose key for that kid is wrong", async () => {
    await rotate(db, keyring, a, "v1");
    const wrong = await Keyring.fromJson(keyringJson("k1", { k1: K2 }));
    await expectIntegrity(readBack(db, wrong, a), "checksum_mismatch");
  });
});

describe("key material on the wire", () => {
  it("sends keys and secrets only as bound parameters, never in the SQL text", async () => {
    sent.length = 0;
    const secret = `marker-${randomBytes(8).toString("hex")}`;
    await rotate(db, keyring, a, secret);
    await readBack(db, keyring, a);
    const key = keyring.active;
    const text = sent.map((s) => s.query).join("\n");
    const params = JSON.stringify(sent.map((s) => s.params));
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(text).not.toContain(key.encryptionKey);
    expect(text).not.toContain(key.macKey.toString("hex"));
    expect(text).not.toContain(secret);
    // The control: they did travel, as parameters.
    expect(params).toContain(key.encryptionKey);
    expect(params).toContain(secret);
  });
});

describe.runIf(engine === "postgres")("on the PostgreSQL server", () => {
  it("keeps the plaintext out of the table's files and the WAL", async () => {
    const marker = `plaintext-marker-${randomBytes(12).toString("hex")}`;
    for (let i = 0; i < 3; i++) await rotate(db, keyring, a, { marker });
    const [stored] = await db.query<{ checksum: string }>(
      "select checksum from connector_credentials where connector_id = $1 order by version desc limit 1",
      [a.connectorId],
    );
    await db.query("checkpoint");
    const files = await db.query<{ file: string }>(
      `select pg_relation_filepath('connector_credentials') as file
       union all select pg_relation_filepath(reltoastrelid) from pg_class where oid = 'connector_credentials'::regclass and reltoastrelid <> 0
       union all (select 'pg_wal/' || name from pg_ls_waldir() where name ~ '^[0-9A-F]{24}$' order by modification desc limit 3)`,
    );
    const count = async (needle: string) => {
      let found = 0;
      for (const { file } of files) {
        const [hit] = await db.query<{ at: number }>(
          "select position(convert_to($1, 'UTF8') in pg_read_binary_file($2, 0, 67108864, true)) as at",
          [needle, file],
        );
        if ((hit?.at ?? 0) > 0) found++;
      }
      return found;
    };
    expect(files.length).toBeGreaterThanOrEqual(2);
    // The control: what was written (the checksum) is on disk, so the search can find things.
    expect(await count(stored?.checksum ?? "missing")).toBeGreaterThan(0);
    expect(await count(marker)).toBe(0);
  });
});
