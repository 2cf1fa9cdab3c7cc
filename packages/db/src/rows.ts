// Raw-SQL results come back as an array (postgres.js) or as `{ rows }` (PGlite); read both alike.
import type { SQL } from "drizzle-orm";
import type { Database, Transaction } from "./database";

/** Runs `query` and returns its rows. */
export async function queryRows<Row>(db: Database | Transaction, query: SQL): Promise<Row[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as Row[];
  return (result as { rows: Row[] }).rows;
}
