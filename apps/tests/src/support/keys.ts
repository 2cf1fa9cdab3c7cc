// Fixed keyrings for tests: known bytes, so known answers can be written down.
import { Keyring } from "@vibot/crypto";

export const K1 = Buffer.alloc(32, 1).toString("base64");
export const K2 = Buffer.alloc(32, 2).toString("base64");

/** The ledger's own key in every test keyring unless a test says otherwise. */
export const L1 = Buffer.alloc(32, 11).toString("base64");
export const LEDGER = { active: "l1", keys: { l1: L1 } };

export const keyringJson = (
  active: string,
  keys: Record<string, string>,
  ledger: { active: string; keys: Record<string, string> } = LEDGER,
) => JSON.stringify({ active, keys, ledger });

export const testKeyring = () => Keyring.fromJson(keyringJson("k1", { k1: K1 }));
