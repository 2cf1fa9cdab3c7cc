// Migrates a template database on the server of DATABASE_URL; every test file clones it. Creates the
// API's least-privilege login for this run, as an operator would: NOINHERIT, IN ROLE authenticator.
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
  const login = `vibot_test_api_${process.pid}`;
  await admin.unsafe(`drop role if exists ${login}`);
  await admin.unsafe(`create role ${login} login noinherit in role authenticator`);
  project.provide("postgresTemplate", template);
  project.provide("apiLogin", login);
  project.provide("pgliteDump", "");
  return async () => {
    await admin.unsafe(`drop database if exists ${template} with (force)`);
    await admin.unsafe(`drop role if exists ${login}`);
    await admin.end();
  };
}
