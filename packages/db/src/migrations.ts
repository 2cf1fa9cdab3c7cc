// Where the committed migrations live and how drizzle records them; shared by code and drizzle-kit.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const migrationsFolder = fileURLToPath(new URL("../drizzle", import.meta.url));

export const migratorConfig = {
  migrationsFolder,
  migrationsTable: "__drizzle_migrations",
  migrationsSchema: "drizzle",
};

let newest: number | undefined;

/** The `when` stamp of the newest committed migration (drizzle's journal, read once). */
export function newestCommittedMigration(): number {
  if (newest === undefined) {
    const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, "utf8")) as {
      entries: { when: number }[];
    };
    newest = Math.max(...journal.entries.map((entry) => entry.when));
  }
  return newest;
}
