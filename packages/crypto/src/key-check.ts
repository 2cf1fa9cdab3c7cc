// The key canary's value: an HMAC of a fixed label under a kid's MAC key. Stored per kid in the
// database, it tells a mistyped or swapped key at start, without revealing the key.
import { createHmac } from "node:crypto";
import type { KeyMaterial, LedgerKeyMaterial } from "./keyring";

/** Domain-separated from every checksum (different label, no row data). */
export const KEY_CHECK_LABEL = "vibot.keyring.key-check.v1";

/** 64 lowercase hex: HMAC-SHA256(mac key, KEY_CHECK_LABEL). */
export function keyCheckValue(key: KeyMaterial): string {
  return createHmac("sha256", key.macKey).update(KEY_CHECK_LABEL).digest("hex");
}

/** The ledger keys' label; the database computes the same value (vault_ledger_keys, 0020). */
export const LEDGER_KEY_CHECK_LABEL = "vibot.ledger.key-check.v1";

/** 64 lowercase hex: HMAC-SHA256(ledger MAC key, LEDGER_KEY_CHECK_LABEL). */
export function ledgerKeyCheckValue(key: LedgerKeyMaterial): string {
  return createHmac("sha256", key.macKey).update(LEDGER_KEY_CHECK_LABEL).digest("hex");
}
