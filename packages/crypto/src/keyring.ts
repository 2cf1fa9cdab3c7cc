// The keyring: master keys by kid, each split by HKDF-SHA256 into an encryption key and a MAC key.
import { hkdf } from "node:crypto";
import { inspect, promisify } from "node:util";
import { z } from "zod";
import { KeyringError } from "./errors";

const hkdfAsync = promisify(hkdf);

/** Fixed HKDF inputs. Changing any of them orphans every stored ciphertext (a test pins them). */
export const HKDF_SALT = "vibot/connector-credential-vault";
export const ENCRYPTION_KEY_LABEL = "vibot/connector-credentials/encryption/v1";
export const MAC_KEY_LABEL = "vibot/connector-credentials/checksum/v1";
export const AUDIT_KEY_LABEL = "vibot/connector-credentials/audit/v1";
export const EVENT_ID_KEY_LABEL = "vibot/connector-credentials/event-id/v1";

/** Kids appear inside the checksum text (`hmac-sha256:<kid>:<hex>`), so `:` is excluded. */
export const KID_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const keyringSchema = z.object({
  active: z.string().regex(KID_PATTERN, "must be 1-32 characters of A-Z a-z 0-9 _ . -"),
  keys: z.record(z.string(), z.string()),
});

/** Derived key material of one kid. Held only in memory and never printed. */
export interface KeyMaterial {
  readonly kid: string;
  /** pgp_sym_encrypt passphrase: 64 hex characters of derived key. */
  readonly encryptionKey: string;
  /** HMAC-SHA256 key for the checksum. */
  readonly macKey: Buffer;
  /** HMAC-SHA256 key that seals and chains audit events. */
  readonly auditKey: Buffer;
  /** AES-256 key that makes ledger ids opaque event ids. */
  readonly eventIdKey: Buffer;
}

/** Derives the encryption and MAC keys of one master key. */
export async function deriveKeys(kid: string, masterKey: Uint8Array): Promise<KeyMaterial> {
  const derive = async (label: string) =>
    Buffer.from(await hkdfAsync("sha256", masterKey, HKDF_SALT, label, 32));
  return {
    kid,
    encryptionKey: (await derive(ENCRYPTION_KEY_LABEL)).toString("hex"),
    macKey: await derive(MAC_KEY_LABEL),
    auditKey: await derive(AUDIT_KEY_LABEL),
    eventIdKey: await derive(EVENT_ID_KEY_LABEL),
  };
}

function decodeMasterKey(kid: string, value: string): Buffer {
  const bytes = Buffer.from(value, "base64");
  if (!BASE64.test(value) || bytes.toString("base64") !== value || bytes.length !== 32) {
    throw new KeyringError(`key "${kid}" must be the base64 encoding of exactly 32 bytes`);
  }
  return bytes;
}

export class Keyring {
  readonly #keys: ReadonlyMap<string, KeyMaterial>;
  readonly #active: KeyMaterial;

  private constructor(keys: ReadonlyMap<string, KeyMaterial>, active: KeyMaterial) {
    this.#keys = keys;
    this.#active = active;
  }

  /** Parses and validates `{"active": kid, "keys": {kid: base64}}` and derives every key. */
  static async fromJson(text: string): Promise<Keyring> {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new KeyringError("keyring is not valid JSON");
    }
    const parsed = keyringSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new KeyringError(`keyring ${issue?.path.join(".") || "value"}: ${issue?.message}`);
    }
    const entries = Object.entries(parsed.data.keys);
    if (entries.length === 0) throw new KeyringError("keyring has no keys");
    const keys = new Map<string, KeyMaterial>();
    for (const [kid, value] of entries) {
      if (!KID_PATTERN.test(kid)) {
        throw new KeyringError("keyring kids must be 1-32 characters of A-Z a-z 0-9 _ . -");
      }
      keys.set(kid, await deriveKeys(kid, decodeMasterKey(kid, value)));
    }
    const active = keys.get(parsed.data.active);
    if (!active) throw new KeyringError(`active kid "${parsed.data.active}" is not in keys`);
    return new Keyring(keys, active);
  }

  /** The key every new write uses. */
  get active(): KeyMaterial {
    return this.#active;
  }

  /** The key of `kid`, if the ring holds it (reads accept every kid in the ring). */
  get(kid: string): KeyMaterial | undefined {
    return this.#keys.get(kid);
  }

  /** Every kid with its key material, active first. */
  get keys(): KeyMaterial[] {
    return [this.#active, ...[...this.#keys.values()].filter((k) => k !== this.#active)];
  }

  get kids(): string[] {
    return [...this.#keys.keys()];
  }

  /** Every key, as one JSON parameter for the SQL that picks a row's key by its kid. */
  toSqlParameter(): string {
    return JSON.stringify(
      [...this.#keys.values()].map((k) => ({
        kid: k.kid,
        enc: k.encryptionKey,
        mac: k.macKey.toString("hex"),
        audit: k.auditKey.toString("hex"),
      })),
    );
  }

  /**
   * Every key as parallel comma-separated texts (kids, encryption keys, hex MAC and audit keys): the
   * request-door functions' keyring parameters. Kids never hold a comma; keys are hex.
   */
  toParameters(): { kids: string; encKeys: string; macKeys: string; auditKeys: string } {
    const keys = [...this.#keys.values()];
    return {
      kids: keys.map((k) => k.kid).join(","),
      encKeys: keys.map((k) => k.encryptionKey).join(","),
      macKeys: keys.map((k) => k.macKey.toString("hex")).join(","),
      auditKeys: keys.map((k) => k.auditKey.toString("hex")).join(","),
    };
  }

  toJSON(): string {
    return `[Keyring active=${this.#active.kid} kids=${this.kids.join(",")}]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}
