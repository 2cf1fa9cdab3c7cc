// The keyring: data master keys by kid, each split by HKDF-SHA256 into an encryption key and a MAC
// key, and the ledger's own master keys, which seal and chain the audit ledger. The two rotate
// apart (docs/SECURITY.md, rules: "Keys"): data keys are retired after a re-encryption, while a ledger
// key is kept as long as events it sealed are, since history is never re-sealed.
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
export const LEDGER_MAC_KEY_LABEL = "vibot/ledger/mac/v1";
export const LEDGER_EVENT_ID_KEY_LABEL = "vibot/ledger/event-id/v1";

/** Kids appear inside the checksum text (`hmac-sha256:<kid>:<hex>`), so `:` is excluded. */
export const KID_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const ringSchema = z.object({
  active: z.string().regex(KID_PATTERN, "must be 1-32 characters of A-Z a-z 0-9 _ . -"),
  keys: z.record(z.string(), z.string()),
});
const keyringSchema = ringSchema.extend({
  ledger: ringSchema.optional(),
});

/** What the error says when the ledger's keys are missing: how to add them. */
export const LEDGER_KEYS_MISSING =
  'keyring has no "ledger" keys: add "ledger": {"active": "l1", "keys": {"l1": "<base64 of 32 random bytes>"}} (the ledger\'s own key, kept when data keys rotate)';

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

/** Key material of one ledger master key. Held only in memory and never printed. */
export interface LedgerKeyMaterial {
  readonly kid: string;
  /** HMAC-SHA256 key that seals and chains audit events. */
  readonly macKey: Buffer;
  /** AES-256 key that makes chain positions opaque realtime event ids. */
  readonly eventIdKey: Buffer;
}

const deriveOne = async (masterKey: Uint8Array, label: string) =>
  Buffer.from(await hkdfAsync("sha256", masterKey, HKDF_SALT, label, 32));

/** Derives the seal and event-id keys of one ledger master key. */
export async function deriveLedgerKeys(
  kid: string,
  masterKey: Uint8Array,
): Promise<LedgerKeyMaterial> {
  return {
    kid,
    macKey: await deriveOne(masterKey, LEDGER_MAC_KEY_LABEL),
    eventIdKey: await deriveOne(masterKey, LEDGER_EVENT_ID_KEY_LABEL),
  };
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

/** Validates a ring's kids and active kid, and derives each entry with `derive`. */
async function deriveRing<T>(
  name: string,
  ring: z.infer<typeof ringSchema>,
  derive: (kid: string, masterKey: Uint8Array) => Promise<T>,
): Promise<{ keys: Map<string, T>; active: T }> {
  const entries = Object.entries(ring.keys);
  if (entries.length === 0) throw new KeyringError(`${name} has no keys`);
  const keys = new Map<string, T>();
  for (const [kid, value] of entries) {
    if (!KID_PATTERN.test(kid)) {
      throw new KeyringError(`${name} kids must be 1-32 characters of A-Z a-z 0-9 _ . -`);
    }
    keys.set(kid, await derive(kid, decodeMasterKey(kid, value)));
  }
  const active = keys.get(ring.active);
  if (!active) throw new KeyringError(`${name}: active kid "${ring.active}" is not in keys`);
  return { keys, active };
}

/** The ledger's keys: the active one seals and chains new events; every one verifies. */
export class LedgerKeys {
  constructor(
    readonly active: LedgerKeyMaterial,
    readonly keys: readonly LedgerKeyMaterial[],
  ) {}

  get(kid: string): LedgerKeyMaterial | undefined {
    return this.keys.find((k) => k.kid === kid);
  }

  /** Parallel comma-separated kids and hex keys, active first: the sequencer's parameters. */
  toParameters(): { kids: string; keys: string } {
    const ordered = [this.active, ...this.keys.filter((k) => k !== this.active)];
    return {
      kids: ordered.map((k) => k.kid).join(","),
      keys: ordered.map((k) => k.macKey.toString("hex")).join(","),
    };
  }
}

export class Keyring {
  readonly #keys: ReadonlyMap<string, KeyMaterial>;
  readonly #active: KeyMaterial;
  readonly #ledger: LedgerKeys;

  private constructor(
    keys: ReadonlyMap<string, KeyMaterial>,
    active: KeyMaterial,
    ledger: LedgerKeys,
  ) {
    this.#keys = keys;
    this.#active = active;
    this.#ledger = ledger;
  }

  /**
   * Parses and validates `{"active": kid, "keys": {kid: base64}, "ledger": {"active": kid,
   * "keys": {kid: base64}}}` and derives every key. Ledger kids differ from data kids, so that an
   * id or MAC naming a kid names one key.
   */
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
    const { keys, active } = await deriveRing("keyring", parsed.data, deriveKeys);
    if (!parsed.data.ledger) throw new KeyringError(LEDGER_KEYS_MISSING);
    const ledger = await deriveRing("keyring ledger", parsed.data.ledger, deriveLedgerKeys);
    const shared = [...ledger.keys.keys()].filter((kid) => keys.has(kid));
    if (shared.length > 0) {
      throw new KeyringError(
        `keyring ledger kids must differ from data kids ("${shared[0]}" is both)`,
      );
    }
    return new Keyring(keys, active, new LedgerKeys(ledger.active, [...ledger.keys.values()]));
  }

  /** The ledger's own keys. */
  get ledger(): LedgerKeys {
    return this.#ledger;
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
   * Every key as parallel comma-separated texts (kids, encryption keys, hex MAC keys): the
   * request-door functions' keyring parameters. Kids never hold a comma; keys are hex.
   */
  toParameters(): { kids: string; encKeys: string; macKeys: string } {
    const keys = [...this.#keys.values()];
    return {
      kids: keys.map((k) => k.kid).join(","),
      encKeys: keys.map((k) => k.encryptionKey).join(","),
      macKeys: keys.map((k) => k.macKey.toString("hex")).join(","),
    };
  }

  toJSON(): string {
    return `[Keyring active=${this.#active.kid} kids=${this.kids.join(",")} ledger=${this.#ledger.active.kid}]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}
