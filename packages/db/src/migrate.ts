// Reports whether a database carries every committed migration (for /readyz and start-up).
import { sql } from "drizzle-orm";
import type { DatabaseHandle } from "./client";
import { newestCommittedMigration } from "./migrations";

/** True when every committed migration has been applied to this database. */
export async function migrationsApplied(handle: DatabaseHandle): Promise<boolean> {
  const one = sql`(select 1) as probe`;
  const [table] = await handle.db
    .select({ present: sql<boolean>`to_regclass('drizzle.__drizzle_migrations') is not null` })
    .from(one);
  if (!table?.present) return false;
  const [row] = await handle.db
    .select({ newest: sql<string | null>`max(created_at)::text` })
    .from(sql`drizzle.__drizzle_migrations`);
  return Number(row?.newest ?? 0) >= newestCommittedMigration();
}
