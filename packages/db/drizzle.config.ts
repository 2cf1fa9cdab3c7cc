import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema/index.ts",
  out: "./drizzle",
  casing: "snake_case",
  // The operator's role migrates (OPERATOR_DATABASE_URL), else DATABASE_URL (README, "Configuration").
  dbCredentials: {
    url:
      process.env.OPERATOR_DATABASE_URL ??
      process.env.DATABASE_URL ??
      "postgres://postgres@127.0.0.1:5432/postgres",
  },
  entities: { roles: { provider: "supabase" } },
  migrations: { table: "__drizzle_migrations", schema: "drizzle" },
});
