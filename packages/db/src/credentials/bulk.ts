// Many encrypted, checksummed versions in one statement: fixtures, benchmarks and imports. Runs as
// the connection's own role, which must be the operator's (it writes past the request door).
import { checksumUnderSql, encryptSql, type Keyring } from "@vibot/crypto";
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../database";
import { queryRows } from "../rows";
import { credentialColumns } from "./metadata";

export interface BulkVersions {
  /** A FROM clause whose rows each become one version (e.g. `generate_series(1, 100) g`). */
  from: SQL;
  companyId: SQL;
  connectorId: SQL;
  version: SQL;
  /** The secret's JSON text, as SQL over the FROM clause's columns. */
  secretJson: SQL;
  rotatedBy: SQL;
  rotatedAt?: SQL;
}

/**
 * Inserts one version per row of `rows.from` under the keyring's active kid; each connector's
 * newest inserted version becomes its current one when newer than its current one (the stage
 * pointers, docs/ARCHITECTURE.md, "Version lifecycle").
 */
export async function insertVersionsInBulk(
  db: Database,
  keyring: Keyring,
  rows: BulkVersions,
): Promise<void> {
  const key = keyring.active;
  const s = credentialColumns("s");
  await queryRows(
    db,
    sql`with inserted as (insert into public.connector_credentials
        (company_id, connector_id, version, secret_ciphertext, checksum, rotated_by, rotated_at)
      select company_id, connector_id, version, secret_ciphertext, ${checksumUnderSql(s, key)},
        rotated_by, rotated_at
      from (select (${rows.companyId})::uuid as company_id, (${rows.connectorId})::uuid as connector_id,
              (${rows.version})::int as version, ${encryptSql(rows.secretJson, key)} as secret_ciphertext,
              (${rows.rotatedBy})::uuid as rotated_by, ${rows.rotatedAt ?? sql`now()`} as rotated_at
            from ${rows.from} offset 0) s
      returning connector_id, version)
      update public.integration_connectors ic
      set current_version = n.version,
        last_credential_version = greatest(ic.last_credential_version, n.version)
      from (select connector_id, max(version) as version from inserted group by connector_id) n
      where ic.id = n.connector_id and n.version > coalesce(ic.current_version, 0)`,
  );
}
