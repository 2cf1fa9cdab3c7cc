// @vibot/db: schema, connections, migrations, the request-context transaction and credential operations.
export * from "./client";
export * from "./context";
export * from "./credentials";
export * from "./migrate";
export * from "./migrations";
export * from "./operation";
export * from "./rows";
export * from "./schema";
