// Column types drizzle-orm does not ship for PostgreSQL.
import { customType } from "drizzle-orm/pg-core";

/** `bytea`, read and written as a Node Buffer (postgres.js) or Uint8Array (PGlite). */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
});
