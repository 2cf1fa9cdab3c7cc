// @vibot/db/testing: what tests and the benchmark harness need beyond the product's surface —
// raw queries, wrapping an open PGlite, and bulk fixtures.

export { CommitBatcher, type DoorCall } from "./commit-batch";
export { insertVersionsInBulk } from "./credentials/bulk";
export { wrapPglite } from "./pglite";
export { renderOperations } from "./render";
export { queryRows } from "./rows";
