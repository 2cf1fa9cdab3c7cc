// `pnpm audit-prune --before <date>`: deletes audit events that occurred before the date (the
// operator's documented prune). The chain stays verifiable from the first remaining event.
import { parseArgs } from "node:util";
import { pruneEvents } from "@vibot/db";
import { openOperatorContext, runCommand } from "./operator";

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== "--"),
    options: { before: { type: "string" } },
  });
  const before = values.before ? new Date(values.before) : undefined;
  if (!before || Number.isNaN(before.getTime()))
    throw new Error("--before must be a date, e.g. --before 2026-01-01");
  const { database } = await openOperatorContext();
  try {
    const pruned = await pruneEvents(database.db, before);
    process.stdout.write(`Pruned ${pruned} audit events before ${before.toISOString()}.\n`);
    return 0;
  } finally {
    await database.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runCommand(main);
