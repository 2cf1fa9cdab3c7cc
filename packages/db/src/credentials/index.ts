// Credential operations composed from @vibot/db and @vibot/crypto: all a sibling app needs.
export * from "./connectors";
export * from "./errors";
export * from "./keyring-checks";
export * from "./ledger";
export * from "./ledger-verify";
export * from "./lifecycle";
export * from "./maintenance";
export * from "./metadata";
export * from "./read";
export * from "./read-many";
export * from "./write";
