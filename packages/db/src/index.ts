// @vibot/db: schema, connections, migrations, the request door and credential operations.
export * from "./availability";
export * from "./client";
export * from "./context";
export * from "./credentials";
export * from "./migrations";
export * from "./operation";
export * from "./pglite";
export * from "./postgres";
export * from "./rows";
export * from "./schema";
export * from "./session";
