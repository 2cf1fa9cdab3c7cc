// Migrates one embedded database per run and dumps it; every test file loads its own copy.
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto";
import { wrapPglite } from "@vibot/db/testing";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteDump: string;
    postgresTemplate: string;
    /** The API's least-privilege login on PostgreSQL (a member of authenticator, NOINHERIT). */
    apiLogin: string;
  }
}

export async function setup(project: TestProject) {
  const client = await PGlite.create({ extensions: { pgcrypto } });
  await wrapPglite(client).migrate();
  const dump = await client.dumpDataDir("none");
  await client.close();
  const path = join(tmpdir(), `vibot-pglite-${process.pid}.tar`);
  await writeFile(path, Buffer.from(await dump.arrayBuffer()));
  project.provide("pgliteDump", path);
  project.provide("postgresTemplate", "");
  project.provide("apiLogin", "");
}
