// Known answers, computed once outside this code base (Python's hmac/hashlib) and pasted here.
// A change of derivation, encoding or options that would orphan stored data fails these.
import {
  CHECKSUM_DOMAIN,
  checksumKid,
  checksumsEqual,
  checksumUnderSql,
  computeChecksum,
  deriveKeys,
  ENCRYPTION_OPTIONS,
  Keyring,
  KeyringError,
} from "@vibot/crypto";
import { readCredential, withRequestContext } from "@vibot/db";
import { queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "./support/database";
import { ADMIN } from "./support/fixtures";
import { K1, keyringJson } from "./support/keys";

const master = Buffer.alloc(32, 1);
const ENC_K1 = "bbc27baa419c0ad568b7dc192cd95f28143532551766c32852b9150ec626f5f1";
const MAC_K1 = "d5a91f35f3ec856f852296e3df89e026cd90793ac20230f6f504cdf481f2e9a8";
const subject = {
  companyId: "11111111-2222-3333-4444-555555555555",
  connectorId: "66666666-7777-8888-9999-aaaaaaaaaaaa",
  version: 3,
  kid: "k1",
  ciphertext: Uint8Array.from({ length: 16 }, (_, i) => i),
};
const CHECKSUM = "hmac-sha256:k1:9855ca1bd1e1821cc03ced1d4f676e4a373f7619e95c076037793a9b1996370a";

// Written once with ENCRYPTION_OPTIONS under ENC_K1, for version 1 of the connector above.
const STORED_CIPHERTEXT =
  "c30c04090102aa3d62f43883373fd25d010d26cc6282b5aef9a088300f94cc0d8e2639355ea52aedeae6baca5ebb1e1e1199105ba204a410d6154918585f92833a01a8170a1b712ff0530f24ff6e7b47ced183a67dc1a7be1247cfdac49803b863e9b7f267e37cbc5d44554257";
const STORED_CHECKSUM =
  "hmac-sha256:k1:a6321204668d40219d9abe236686ba9c7a3ee2b83141fc627f632019f9f94bd7";
const STORED_PLAINTEXT = '{"apiKey":"sk_live_known","note":"ключ"}';

describe("key derivation", () => {
  it("derives fixed encryption and MAC keys from a fixed master key", async () => {
    const keys = await deriveKeys("k1", master);
    expect(keys.encryptionKey).toBe(ENC_K1);
    expect(keys.macKey.toString("hex")).toBe(MAC_K1);
  });

  it("pins the encryption options and the checksum domain", () => {
    expect(ENCRYPTION_OPTIONS).toBe("cipher-algo=aes256, s2k-mode=1, compress-algo=0");
    expect(CHECKSUM_DOMAIN).toBe("vibot.connector_credentials.checksum.v1\u0000");
  });
});

describe("checksum", () => {
  it("gives a fixed checksum for fixed inputs", () => {
    expect(computeChecksum(Buffer.from(MAC_K1, "hex"), subject)).toBe(CHECKSUM);
    expect(checksumKid(CHECKSUM)).toBe("k1");
  });

  it("changes with every covered field", () => {
    const mac = Buffer.from(MAC_K1, "hex");
    const variants = [
      { ...subject, companyId: subject.connectorId },
      { ...subject, connectorId: subject.companyId },
      { ...subject, version: 4 },
      { ...subject, kid: "k2" },
      { ...subject, ciphertext: Uint8Array.from({ length: 16 }, (_, i) => 15 - i) },
    ];
    for (const variant of variants) expect(computeChecksum(mac, variant)).not.toBe(CHECKSUM);
  });

  it("compares checksums in constant time and rejects any difference", () => {
    expect(checksumsEqual(CHECKSUM, CHECKSUM)).toBe(true);
    expect(checksumsEqual(CHECKSUM, `${CHECKSUM.slice(0, -1)}b`)).toBe(false);
    expect(checksumsEqual(CHECKSUM, CHECKSUM.slice(0, -1))).toBe(false);
  });
});

describe("in the database", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  it("computes the same checksum in SQL as in TypeScript", async () => {
    const keyring = await Keyring.fromJson(keyringJson("k1", { k1: K1 }));
    const row = {
      companyId: sql`${subject.companyId}::uuid`,
      connectorId: sql`${subject.connectorId}::uuid`,
      version: sql`${subject.version}::int`,
      ciphertext: sql`decode(${Buffer.from(subject.ciphertext).toString("hex")}, 'hex')`,
    };
    const [result] = await queryRows<{ checksum: string }>(
      db.handle.db,
      sql`select ${checksumUnderSql(row, keyring.active)} as checksum`,
    );
    expect(result?.checksum).toBe(CHECKSUM);
  });

  it("still decrypts a ciphertext stored by an earlier build", async () => {
    const { companyId, connectorId } = subject;
    const adminId = "99999999-0000-0000-0000-000000000001";
    await db.query("insert into companies (id) values ($1)", [companyId]);
    await db.query("insert into users (id, company_id) values ($1, $2)", [adminId, companyId]);
    await db.query(
      `insert into integration_connectors (id, company_id, last_credential_version, current_version)
       values ($1, $2, 1, 1)`,
      [connectorId, companyId],
    );
    await db.query(
      `insert into connector_credentials (company_id, connector_id, version, secret_ciphertext, checksum)
       values ($1, $2, 1, decode($3, 'hex'), $4)`,
      [companyId, connectorId, STORED_CIPHERTEXT, STORED_CHECKSUM],
    );
    const keyring = await Keyring.fromJson(keyringJson("k1", { k1: K1 }));
    const claims = { sub: adminId, company_id: companyId, roles: [ADMIN] };
    const credential = await withRequestContext(
      db.handle.db,
      { claims, role: "authenticated" },
      (tx) => readCredential(tx, keyring, connectorId),
    );
    expect(credential.secretJson).toBe(STORED_PLAINTEXT);
  });
});

describe("keyring validation", () => {
  const secretLooking = Buffer.alloc(31, 7).toString("base64");

  it.each([
    ["not JSON", "{", "not valid JSON"],
    ["no keys", keyringJson("k1", {}), "no keys"],
    ["an active kid missing from keys", keyringJson("k9", { k1: K1 }), 'active kid "k9"'],
    [
      "a short key",
      keyringJson("k1", { k1: secretLooking }),
      'key "k1" must be the base64 encoding of exactly 32 bytes',
    ],
    ["a kid with a colon", keyringJson("k:1", { "k:1": K1 }), "active: must be 1-32 characters"],
    [
      "a bad kid among keys",
      keyringJson("k1", { k1: K1, "bad kid": K1 }),
      "kids must be 1-32 characters",
    ],
  ])("rejects %s, naming the problem and never the key", async (_, text, message) => {
    const error = await Keyring.fromJson(text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyringError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain(secretLooking);
    expect((error as Error).message).not.toContain(K1);
  });

  it("never prints key material when logged or serialised", async () => {
    const keyring = await Keyring.fromJson(keyringJson("k1", { k1: K1 }));
    const { inspect } = await import("node:util");
    for (const text of [inspect(keyring), JSON.stringify({ keyring }), String(keyring)]) {
      expect(text).not.toContain(ENC_K1);
      expect(text).not.toContain(MAC_K1);
      expect(text).not.toContain(K1);
    }
  });
});
