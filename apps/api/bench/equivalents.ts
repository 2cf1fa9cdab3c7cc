// The hand-written equivalents of the API's hot statements, for pgbench: the same rows read or
// written by plain SQL in one transaction, keys as plain parameters, with the same RLS policy (for
// reads), checksum check, encryption and event insert — but none of the product's functions,
// triggers or checks. What a careful engineer would write by hand; the product's statements are
// held to at least 0.7x their tps.
import { CHECKSUM_DOMAIN, type Keyring } from "@vibot/crypto";

/** pgbench script text and its `-D` variables. */
export interface Script {
  text: string;
  defines: string[];
}

const ENCRYPTION_OPTIONS = "cipher-algo=aes256, s2k-mode=1, compress-algo=0";
const domainHex = Buffer.from(CHECKSUM_DOMAIN, "utf8").toString("hex");

/** The checksum of a row, inline: the product's encoding with pgcrypto's hmac, nothing of ours. */
const checksumOf = (company: string, connector: string, version: string, ciphertext: string) =>
  `'hmac-sha256:' || :kid::text || ':' || encode(hmac(decode('${domainHex}', 'hex') || uuid_send(${company}) || uuid_send(${connector}) || int4send(${version}) || int4send(octet_length(:kid::text)) || convert_to(:kid::text, 'UTF8') || ${ciphertext}, decode(:mac::text, 'hex'), 'sha256'), 'hex')`;

function keys(keyring: Keyring, claims: string): string[] {
  const { active } = keyring;
  return [
    `claims=${claims}`,
    `kid=${active.kid}`,
    `enc=${active.encryptionKey}`,
    `mac=${active.macKey.toString("hex")}`,
  ];
}

/**
 * The current read by hand: claims and role set locally, the newest version under RLS, its
 * checksum compared (double HMAC) before decryption; with `audited`, its read event inserted (as
 * the connection's own role: no API role may insert events).
 */
export function readEquivalent(
  keyring: Keyring,
  claims: string,
  connectorAt: string,
  count: number,
  audited: boolean,
): Script {
  const read = `select c.id as cid, c.company_id as company, c.version as v,
    case when hmac(convert_to(c.checksum, 'UTF8'), decode(:mac::text, 'hex'), 'sha256')
      = hmac(convert_to(${checksumOf("c.company_id", "c.connector_id", "c.version", "c.secret_ciphertext")}, 'UTF8'), decode(:mac::text, 'hex'), 'sha256')
    then pgp_sym_decrypt(c.secret_ciphertext, :enc::text) end as secret
    from connector_credentials c where c.connector_id = ${connectorAt}
    order by c.version desc limit 1`;
  const lines = [
    `\\set n random(1, ${count})`,
    "BEGIN;",
    "select set_config('request.jwt.claims', :claims::text, true);",
    "set local role authenticated;",
    `${read.replace(/\s*\n\s*/g, " ")} \\gset`,
  ];
  if (audited) {
    lines.push(
      "reset role;",
      `insert into connector_credential_events (company_id, connector_id, credential_id, version, action, actor, request_id) values (:company::uuid, ${connectorAt}, :cid::uuid, :v::int, 'read', (:claims::jsonb ->> 'sub')::uuid, 'pgbench');`,
    );
  }
  lines.push("COMMIT;", "");
  return { text: lines.join("\n"), defines: keys(keyring, claims) };
}

/**
 * A rotation by hand: the connector's counter bumped and its stage pointers moved in the same
 * UPDATE (its row lock queues writers of one connector; the new version current, the old one
 * previous), the new version encrypted and inserted with its checksum, its event, and versions
 * past ten deleted with their events, never the current or previous one. Run as the connection's
 * own role, so no trigger of ours.
 */
export function rotationEquivalent(
  keyring: Keyring,
  claims: string,
  company: string,
  actor: string,
  connectorAt: string,
  count: number,
): Script {
  const secret = '{"apiKey":"pgbench"}';
  const lines = [
    `\\set n random(1, ${count})`,
    "BEGIN;",
    `update integration_connectors set last_credential_version = last_credential_version + 1, previous_version = current_version, current_version = last_credential_version + 1 where id = ${connectorAt} and company_id = :company::uuid returning last_credential_version as v, coalesce(previous_version, 0) as p \\gset`,
    `with e as (select pgp_sym_encrypt(:secret::text, :enc::text, '${ENCRYPTION_OPTIONS}') as ct), w as (insert into connector_credentials (company_id, connector_id, version, secret_ciphertext, checksum, rotated_by) select :company::uuid, ${connectorAt}, :v::int, e.ct, ${checksumOf(":company::uuid", connectorAt, ":v::int", "e.ct")}, :actor::uuid from e returning id, version) insert into connector_credential_events (company_id, connector_id, credential_id, version, action, actor, request_id) select :company::uuid, ${connectorAt}, w.id, w.version, 'rotate', :actor::uuid, 'pgbench' from w;`,
    `with d as (delete from connector_credentials where connector_id = ${connectorAt} and version <= :v::int - 10 and version <> :p::int returning id, version) insert into connector_credential_events (company_id, connector_id, credential_id, version, action, actor, request_id) select :company::uuid, ${connectorAt}, d.id, d.version, 'destroy', :actor::uuid, 'pgbench' from d;`,
    "COMMIT;",
    "",
  ];
  return {
    text: lines.join("\n"),
    defines: [...keys(keyring, claims), `company=${company}`, `actor=${actor}`, `secret=${secret}`],
  };
}
