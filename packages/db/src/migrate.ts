// Reports whether a database carries every committed migration (start-up; /readyz uses readiness()).
import type { DatabaseHandle } from "./client";

/** True when every committed migration has been applied to this database. */
export async function migrationsApplied(handle: DatabaseHandle): Promise<boolean> {
  return (await handle.readiness()) === "ready";
}
