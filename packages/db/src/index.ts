// @vibot/db: schema, connections, migrations, the request door and credential operations — what
// the API and sibling apps use. Test and benchmark helpers live in @vibot/db/testing.
export * from "./availability";
export * from "./client";
export * from "./commit-batch";
export * from "./context";
export * from "./credentials";
export * from "./idempotency";
export * from "./migrations";
export type { BatchedRead, Operation } from "./operation";
export { connectPglite } from "./pglite";
export * from "./postgres";
export { DEFAULT_READ_CONNECTIONS } from "./read-lane";
export * from "./schema";
export * from "./session";
