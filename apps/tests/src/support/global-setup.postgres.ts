// Migrates a template database on the server of DATABASE_URL; every test file clones it.
import { connectPostgres } from "@vibot/db";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { serverUrl } from "./urls";

export async function setup(project: TestProject) {
  const admin = postgres(serverUrl("postgres"), { max: 1, onnotice: () => {} });
  const template = `vibot_test_template_${process.pid}`;
  await admin.unsafe(`drop database if exists ${template}`);
  await admin.unsafe(`create database ${template}`);
  const handle = connectPostgres(serverUrl(template), { max: 1 });
  await handle.migrate();
  await handle.close();
  project.provide("postgresTemplate", template);
  project.provide("pgliteDump", "");
  return async () => {
    await admin.unsafe(`drop database if exists ${template} with (force)`);
    await admin.end();
  };
}
