// @vibot/db: schema, connections, migrations and the request-context transaction.
export * from "./client";
export * from "./context";
export * from "./migrate";
export * from "./migrations";
export * from "./schema";
