import { defineConfig } from "vitest/config";

// Every suite runs on PGlite; with DATABASE_URL set, the same suites run again on PostgreSQL.
const engines = process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

export default defineConfig({
  test: {
    projects: engines.map((engine) => ({
      extends: true,
      test: {
        name: engine,
        env: { VIBOT_TEST_ENGINE: engine },
        globalSetup: [`./src/support/global-setup.${engine}.ts`],
      },
    })),
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
