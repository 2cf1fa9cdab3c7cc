// Every table, role and policy of the vault, as drizzle-kit sees them.
export * from "./companies";
export * from "./connector-credential-events";
export * from "./connector-credential-lifecycle";
export * from "./connector-credentials";
export * from "./idempotency-keys";
export * from "./integration-connectors";
export * from "./keyring-checks";
export * from "./ledger-keys";
export * from "./roles";
export * from "./users";
