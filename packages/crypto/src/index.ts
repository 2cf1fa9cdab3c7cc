// @vibot/crypto: the keyring, the keyed checksum and the pgcrypto fragments. Knows nothing of HTTP.
export * from "./checksum";
export * from "./errors";
export * from "./event-id";
export * from "./key-check";
export * from "./keyring";
export * from "./pgcrypto";
export * from "./request-digest";
