// Opaque event ids: a ledger id (a global bigint, which would reveal how busy other companies
// are) encrypted with AES-256 under a keyring-derived key, one block, as `<kid>.<32 hex>`. Only
// this vault can turn one back into its ledger position (Last-Event-ID, audit cursors).
import { createCipheriv, createDecipheriv } from "node:crypto";
import type { Keyring } from "./keyring";

/** `<kid>.<hex>` of ledger id `id` under the active kid's event-id key. */
export function sealEventId(keyring: Keyring, id: bigint | string): string {
  const block = Buffer.alloc(16);
  block.writeBigUInt64BE(BigInt(id));
  const cipher = createCipheriv("aes-256-ecb", keyring.active.eventIdKey, null).setAutoPadding(
    false,
  );
  return `${keyring.active.kid}.${Buffer.concat([cipher.update(block), cipher.final()]).toString("hex")}`;
}

/** The ledger id an opaque event id names, or undefined when it is not one of this vault's. */
export function openEventId(keyring: Keyring, text: string): bigint | undefined {
  const match = /^([A-Za-z0-9_.-]{1,32})\.([0-9a-f]{32})$/.exec(text);
  const key = match?.[1] ? keyring.keys.find((k) => k.kid === match[1]) : undefined;
  if (!key || !match?.[2]) return undefined;
  const decipher = createDecipheriv("aes-256-ecb", key.eventIdKey, null).setAutoPadding(false);
  const block = Buffer.concat([decipher.update(Buffer.from(match[2], "hex")), decipher.final()]);
  // The second half is zero in every id we issue: anything else was not made here.
  if (!block.subarray(8).equals(Buffer.alloc(8))) return undefined;
  return block.readBigUInt64BE(0);
}
