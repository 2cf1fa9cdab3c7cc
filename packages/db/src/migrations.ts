// Where the committed migrations live and how drizzle records them; shared by code and drizzle-kit.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The package's drizzle/ folder, found through the package itself, so that code bundled
 * elsewhere (the API's build) finds it too.
 */
export const migrationsFolder = join(
  dirname(createRequire(import.meta.url).resolve("@vibot/db/package.json")),
  "drizzle",
);

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
