// An empty database on the server of DATABASE_URL (no template), for migration and log tests.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { serverUrl } from "./urls";

export async function createEmptyDatabase(prefix: string) {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl("postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  return {
    name,
    url: serverUrl(name),
    admin,
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
