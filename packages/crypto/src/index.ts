// @vibot/crypto: the keyring, the keyed checksum and the pgcrypto fragments. Knows nothing of HTTP.
export * from "./checksum";
export * from "./errors";
export * from "./keyring";
export * from "./pgcrypto";
