// The hand-written equivalents of the request door's hot statements: the same rows read or written
// by plain SQL in one transaction, keys as plain parameters, with the same RLS policy (for reads),
// checksum check, encryption and event insert, but none of the product's functions, triggers or
// checks. What a careful engineer would write by hand; `pnpm bench` runs each against the
// product's statement in alternating pgbench rounds and holds the product to at least 0.7x its
// tps (docs/ARCHITECTURE.md, "Performance bars"). Rendered in sql/operations.sql.
//
// The text is a pgbench script: `:name` is a variable (EQUIVALENT_VARIABLES), and `\gset` after a
// statement stores its row's columns as variables for the statements after it.
import { CHECKSUM_DOMAIN } from "@vibot/crypto";

/** The variables the scripts use, and what each holds; the bench sets them (`-D`). */
export const EQUIVALENT_VARIABLES = {
  claims: "the caller's JWT claims (JSON)",
  kid: "keyring: the active kid",
  enc: "keyring: the active encryption key",
  mac: "keyring: the active MAC key (hex)",
  company: "the caller's company",
  actor: "acting user",
  secret: "the secret's JSON text",
} as const;

/** pgp_sym_encrypt's options, as sql/functions/vault_encrypt.sql sets them. */
const ENCRYPTION_OPTIONS = "cipher-algo=aes256, s2k-mode=1, compress-algo=0";
/** The checksum's domain prefix as a bytea literal (escape format: it ends in a NUL byte). */
const domain = [...Buffer.from(CHECKSUM_DOMAIN, "utf8")]
  .map((byte) =>
    byte >= 0x20 && byte < 0x7f && byte !== 0x5c && byte !== 0x27
      ? String.fromCharCode(byte)
      : `\\${byte.toString(8).padStart(3, "0")}`,
  )
  .join("");

/** The checksum of a row, inline: the product's encoding with pgcrypto's hmac, nothing of ours. */
const checksumOf = (company: string, connector: string, version: string, ciphertext: string) =>
  `'hmac-sha256:' || :kid::text || ':' || encode(hmac(decode('${domain}', 'escape') || uuid_send(${company}) || uuid_send(${connector}) || int4send(${version}) || int4send(octet_length(:kid::text)) || convert_to(:kid::text, 'UTF8') || ${ciphertext}, decode(:mac::text, 'hex'), 'sha256'), 'hex')`;

/** One line per statement, as pgbench requires. */
const oneLine = (statement: string) => statement.replace(/\s*\n\s*/g, " ");

const insertEvent = (connector: string, source: string, columns: string, action: string) =>
  `insert into connector_credential_events (company_id, connector_id, credential_id, version, action, actor, request_id) select :company::uuid, ${connector}, ${columns}, '${action}', :actor::uuid, 'pgbench' from ${source};`;

/**
 * The current read by hand, on connector `connector` (an SQL expression): claims and role set
 * locally, the current version found by the connector's pointer, both tables under RLS, its checksum compared
 * (double HMAC) before decryption; with `audited`, its read event inserted (as the connection's
 * own role: no API role may insert events).
 */
export function readEquivalent(connector: string, audited: boolean): string[] {
  const read = `select c.id as cid, c.company_id as company, c.version as v,
    case when hmac(convert_to(c.checksum, 'UTF8'), decode(:mac::text, 'hex'), 'sha256')
      = hmac(convert_to(${checksumOf("c.company_id", "c.connector_id", "c.version", "c.secret_ciphertext")}, 'UTF8'), decode(:mac::text, 'hex'), 'sha256')
    then pgp_sym_decrypt(c.secret_ciphertext, :enc::text) end as secret
    from integration_connectors ic join connector_credentials c
      on c.connector_id = ic.id and c.version = ic.current_version
    where ic.id = ${connector}`;
  return [
    "BEGIN;",
    "select set_config('request.jwt.claims', :claims::text, true);",
    "set local role authenticated;",
    `${oneLine(read)} \\gset`,
    ...(audited
      ? [
          "reset role;",
          `insert into connector_credential_events (company_id, connector_id, credential_id, version, action, actor, request_id) values (:company::uuid, ${connector}, :cid::uuid, :v::int, 'read', (:claims::jsonb ->> 'sub')::uuid, 'pgbench');`,
        ]
      : []),
    "COMMIT;",
  ];
}

/**
 * A rotation by hand, on connector `connector` (an SQL expression): the connector's counter bumped
 * and its stage pointers moved in the same UPDATE (its row lock queues writers of one connector;
 * the new version current, the old one previous), the new version encrypted and inserted with its
 * checksum, its event, and versions past ten deleted with their events, never the current or
 * previous one. Run as the connection's own role, so no trigger of ours.
 */
export function rotationEquivalent(connector: string): string[] {
  return [
    "BEGIN;",
    `update integration_connectors set last_credential_version = last_credential_version + 1, previous_version = current_version, current_version = last_credential_version + 1 where id = ${connector} and company_id = :company::uuid returning last_credential_version as v, coalesce(previous_version, 0) as p \\gset`,
    `with e as (select pgp_sym_encrypt(:secret::text, :enc::text, '${ENCRYPTION_OPTIONS}') as ct), w as (insert into connector_credentials (company_id, connector_id, version, secret_ciphertext, checksum, rotated_by) select :company::uuid, ${connector}, :v::int, e.ct, ${checksumOf(":company::uuid", connector, ":v::int", "e.ct")}, :actor::uuid from e returning id, version) ${insertEvent(connector, "w", "w.id, w.version", "rotate")}`,
    `with d as (delete from connector_credentials where connector_id = ${connector} and version <= :v::int - 10 and version <> :p::int returning id, version) ${insertEvent(connector, "d", "d.id, d.version", "destroy")}`,
    "COMMIT;",
  ];
}
