// Fails when the Drizzle schema and the committed migrations have drifted apart: runs
// `drizzle-kit generate` against a scratch copy of the migrations and expects no new file.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

// drizzle-kit only accepts a relative --out, so the scratch copy lives beside the package.
const scratch = mkdtempSync(".drift-");
try {
  const out = join(scratch, "drizzle");
  cpSync("drizzle", out, { recursive: true });
  const before = readdirSync(out).filter((f) => f.endsWith(".sql")).length;
  const log = execFileSync(
    "drizzle-kit",
    [
      "generate",
      "--dialect=postgresql",
      "--schema=./src/schema/index.ts",
      `--out=${out}`,
      "--casing=snake_case",
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  const after = readdirSync(out).filter((f) => f.endsWith(".sql")).length;
  // drizzle-kit can exit 0 after an error, so require its explicit "no changes" verdict as well.
  if (after !== before || !log.includes("No schema changes")) {
    console.error(log);
    console.error(
      "Schema drift (or drizzle-kit failed): drizzle-kit generate would write a new migration. Run `pnpm db:generate` and commit it.",
    );
    process.exitCode = 1;
  } else {
    console.log(`No drift: ${before} committed migrations match the schema.`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
