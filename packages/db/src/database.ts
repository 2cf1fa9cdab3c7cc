// The Drizzle handle's types over the vault's schema, on either driver: what the door, the rows
// helper and the credential operations take. Its own module so that they need not import the
// driver code (client.ts), which imports them.
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
