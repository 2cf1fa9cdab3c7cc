// Opaque event ids: a ledger number (a global bigint, which would reveal how busy other companies
// are) encrypted with AES-256 under a key derived from the active ledger key, one block, as
// `<kid>.<32 hex>`; ids issued before the ledger had keys of its own name a data kid and still open. Only
// this vault can turn one back into its number. Two kinds, told apart inside the block so that
// one is never taken for the other: an event's id (audit cursors) and an event's chain position
// (the realtime stream's ids and Last-Event-ID).
import { createCipheriv, createDecipheriv } from "node:crypto";
import type { Keyring } from "./keyring";

/** What an opaque id numbers: a ledger event id, or a chain position. */
export type EventIdKind = "event" | "position";

/** The block's second half: zero for an event id (as issued before positions existed). */
const TAGS: Record<EventIdKind, bigint> = { event: 0n, position: 1n };

/** `<kid>.<hex>` of `n` under the active kid's event-id key. */
export function sealEventId(
  keyring: Keyring,
  n: bigint | string,
  kind: EventIdKind = "event",
): string {
  const block = Buffer.alloc(16);
  block.writeBigUInt64BE(BigInt(n));
  block.writeBigUInt64BE(TAGS[kind], 8);
  const { active } = keyring.ledger;
  const cipher = createCipheriv("aes-256-ecb", active.eventIdKey, null).setAutoPadding(false);
  return `${active.kid}.${Buffer.concat([cipher.update(block), cipher.final()]).toString("hex")}`;
}

/** The number an opaque id of `kind` names, or undefined when it is not one this vault issued. */
export function openEventId(
  keyring: Keyring,
  text: string,
  kind: EventIdKind = "event",
): bigint | undefined {
  const match = /^([A-Za-z0-9_.-]{1,32})\.([0-9a-f]{32})$/.exec(text);
  const kid = match?.[1];
  const key = kid ? (keyring.ledger.get(kid) ?? keyring.get(kid)) : undefined;
  if (!key || !match?.[2]) return undefined;
  const decipher = createDecipheriv("aes-256-ecb", key.eventIdKey, null).setAutoPadding(false);
  const block = Buffer.concat([decipher.update(Buffer.from(match[2], "hex")), decipher.final()]);
  // The second half is the kind's tag in every id we issue: anything else was not made here.
  if (block.readBigUInt64BE(8) !== TAGS[kind]) return undefined;
  return block.readBigUInt64BE(0);
}
