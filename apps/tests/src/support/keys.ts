// Fixed keyrings for tests: known bytes, so known answers can be written down.
import { Keyring } from "@vibot/crypto";

export const K1 = Buffer.alloc(32, 1).toString("base64");
export const K2 = Buffer.alloc(32, 2).toString("base64");

export const keyringJson = (active: string, keys: Record<string, string>) =>
  JSON.stringify({ active, keys });

export const testKeyring = () => Keyring.fromJson(keyringJson("k1", { k1: K1 }));
