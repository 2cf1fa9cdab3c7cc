// One error type for every way a stored credential can fail to prove itself.

export type IntegrityFailure = "checksum_mismatch" | "unknown_key" | "undecryptable";

/** A stored credential failed verification; nothing decrypted accompanies it. */
export class IntegrityError extends Error {
  override readonly name = "IntegrityError";
  constructor(
    readonly reason: IntegrityFailure,
    /** Ids only, for the security log; never data. */
    readonly credentialId?: string,
  ) {
    super(`credential integrity check failed: ${reason}`);
  }
}

/** The keyring configuration is unusable; the message names what is wrong, never key material. */
export class KeyringError extends Error {
  override readonly name = "KeyringError";
}
