// Master-key rotation: 20,000 rows under k1, then k2 active; `reencrypt` moves every row to k2
// without changing versions or rotation metadata, is idempotent, and loses no API rotation made
// meanwhile.

import { reencryptAll } from "@vibot/api/commands/reencrypt";
import { verifyAll } from "@vibot/api/commands/verify-integrity";
import { Keyring } from "@vibot/crypto";
import { rowsByKid } from "@vibot/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, tokenFor } from "./support/api";
import { rowsDecryptingToOriginal, seedVersions } from "./support/bulk";
import { openTestDatabase, type TestDatabase } from "./support/database";
import { credentialRows, seedTenant, type Tenant } from "./support/fixtures";
import { K1, K2, keyringJson } from "./support/keys";

const ROWS = 20_000;
let db: TestDatabase;
let a: Tenant;
let k1Only: Keyring;
let rotated: Keyring;

const metadata = () =>
  db.query<{ id: string; version: number; rotated_at: string; rotated_by: string }>(
    "select id, version, rotated_at::text, rotated_by from connector_credentials where connector_id = $1 order by id",
    [a.connectorId],
  );

beforeAll(async () => {
  db = await openTestDatabase();
  a = await seedTenant(db);
  k1Only = await Keyring.fromJson(keyringJson("k1", { k1: K1 }));
  rotated = await Keyring.fromJson(keyringJson("k2", { k1: K1, k2: K2 }));
  await seedVersions(db, k1Only, a, ROWS);
});
afterAll(async () => {
  await db.close();
});

describe("reencrypt", () => {
  it("moves every row to the active kid, decrypting to the original, metadata unchanged", async () => {
    expect(await rowsByKid(db.operator.db)).toEqual([{ kid: "k1", rows: ROWS }]);
    const before = await metadata();
    const report = await reencryptAll(db.operator.db, rotated, { batchSize: 1000 });
    expect(report).toMatchObject({ reencrypted: ROWS, failed: [], remaining: 0 });
    console.info(
      `reencrypt: ${ROWS} rows in ${report.seconds.toFixed(2)} s (${Math.round(ROWS / report.seconds)} rows/s)`,
    );

    expect(await rowsByKid(db.operator.db)).toEqual([{ kid: "k2", rows: ROWS }]);
    expect(await rowsDecryptingToOriginal(db, rotated, "k2")).toBe(ROWS);
    expect(await metadata()).toEqual(before);
    // Each re-encrypted row left its event, by no actor.
    expect(
      await db.query(
        "select count(*)::int as n from connector_credential_events where action = 'reencrypt' and actor is null",
      ),
    ).toEqual([{ n: ROWS }]);
    // The old key is no longer needed: a ring of k2 alone verifies everything.
    const k2Only = await Keyring.fromJson(keyringJson("k2", { k2: K2 }));
    const verified = await verifyAll(db.operator.db, k2Only);
    expect(verified).toMatchObject({ scanned: ROWS, ok: ROWS, failed: [] });
    console.info(
      `verify-integrity: ${ROWS} rows in ${verified.seconds.toFixed(2)} s (${Math.round(ROWS / verified.seconds)} rows/s)`,
    );
  });

  it("changes nothing on a second run", async () => {
    const before = await credentialRows(db, a.connectorId);
    const report = await reencryptAll(db.operator.db, rotated);
    expect(report).toMatchObject({ reencrypted: 0, failed: [], remaining: 0 });
    expect(await credentialRows(db, a.connectorId)).toEqual(before);
  });

  it("leaves a row that fails verification as it was, and reports it", async () => {
    const b = await seedTenant(db, "B");
    await seedVersions(db, k1Only, b, 3);
    await db.query(
      "update connector_credentials set checksum = left(checksum, -1) || case when right(checksum, 1) = 'a' then 'b' else 'a' end where connector_id = $1 and version = 2",
      [b.connectorId],
    );
    const tampered = await credentialRows(db, b.connectorId);
    const report = await reencryptAll(db.operator.db, rotated);
    expect(report.reencrypted).toBe(2);
    expect(report.failed).toEqual([
      expect.objectContaining({
        connectorId: b.connectorId,
        version: 2,
        reason: "checksum_mismatch",
      }),
    ]);
    expect((await credentialRows(db, b.connectorId))[1]).toEqual(tampered[1]);
  });
});

describe("re-encryption while the API rotates", () => {
  it("loses no rotation and leaves none under the old kid", async () => {
    const c = await seedTenant(db, "C");
    await seedVersions(db, k1Only, c, 2_000);
    // The API is deployed with k2 active before re-encryption starts (README, step 3).
    const api = await createTestApi(db, { keyring: rotated, maxVersions: 5_000 });
    const token = await tokenFor(c.admin);
    const rotations = Array.from({ length: 30 }, (_, i) =>
      api.request("POST", `/v1/connectors/${c.connectorId}/credentials`, {
        token,
        body: { secret: { during: i } },
      }),
    );
    const [report, ...responses] = await Promise.all([
      reencryptAll(db.operator.db, rotated, { batchSize: 50 }),
      ...rotations,
    ]);
    for (const response of responses) expect(response.status, response.text).toBe(201);
    expect(report.remaining).toBe(0);
    const versions = (await credentialRows(db, c.connectorId)).map((r) => r.version);
    expect(versions).toEqual(Array.from({ length: 2_030 }, (_, i) => i + 1));
    const kids = await rowsByKid(db.operator.db);
    expect(kids.filter((k) => k.kid === "k1")).toEqual([{ kid: "k1", rows: 1 }]); // B's tampered row only
    const current = await api.request(
      "GET",
      `/v1/connectors/${c.connectorId}/credentials/current`,
      { token },
    );
    expect(current.body.version).toBe(2_030);
  });
});
