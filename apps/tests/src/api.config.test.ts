// Configuration is validated once, with messages that name the variable and never echo secrets.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, repositoryRoot } from "@vibot/api/config";
import { describe, expect, it } from "vitest";
import { K1, keyringJson } from "./support/keys";

const server = {
  DATABASE_URL: "postgres://app@db.internal:5432/vault",
  SUPABASE_JWT_SECRET: "super-secret-jwt-signing-key-0123456789",
  CREDENTIALS_KEYRING: keyringJson("k1", { k1: K1 }),
};

const failure = (env: NodeJS.ProcessEnv) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("loadConfig", () => {
  it("applies the documented defaults in embedded mode", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      host: "127.0.0.1",
      port: 3000,
      maxVersions: 10,
      logLevel: "info",
      pgliteDataDir: join(repositoryRoot, ".data/pglite"),
      database: { poolMax: 20, readConnections: 4, writeConnections: 2 },
    });
  });

  it("resolves relative paths against the repository root", () => {
    expect(loadConfig({ PGLITE_DATA_DIR: "tmp/x" }).pgliteDataDir).toBe(
      join(repositoryRoot, "tmp/x"),
    );
    expect(loadConfig({ PGLITE_DATA_DIR: "memory://" }).pgliteDataDir).toBe("memory://");
  });

  it.each([
    [{ PORT: "eighty" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ CREDENTIALS_MAX_VERSIONS: "0" }, "CREDENTIALS_MAX_VERSIONS"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ DATABASE_READ_CONNECTIONS: "0" }, "DATABASE_READ_CONNECTIONS"],
    [{ DATABASE_WRITE_CONNECTIONS: "0" }, "DATABASE_WRITE_CONNECTIONS"],
  ])("names the variable of an invalid value: %o", (env, name) => {
    expect(failure(env)).toContain(name);
  });

  it("requires the JWT secret and the keyring with DATABASE_URL, never generating them", () => {
    expect(
      failure({
        DATABASE_URL: server.DATABASE_URL,
        CREDENTIALS_KEYRING: server.CREDENTIALS_KEYRING,
      }),
    ).toContain("SUPABASE_JWT_SECRET");
    expect(
      failure({
        DATABASE_URL: server.DATABASE_URL,
        SUPABASE_JWT_SECRET: server.SUPABASE_JWT_SECRET,
      }),
    ).toContain("CREDENTIALS_KEYRING");
    expect(loadConfig(server).keyringJson).toBe(server.CREDENTIALS_KEYRING);
  });

  it("rejects a short JWT secret without echoing it", () => {
    const message = failure({ ...server, SUPABASE_JWT_SECRET: "short-secret-value" });
    expect(message).toContain("SUPABASE_JWT_SECRET");
    expect(message).not.toContain("short-secret-value");
  });

  it("reads the keyring from CREDENTIALS_KEYRING_FILE, and not both ways at once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vibot-keyring-"));
    const file = join(dir, "keyring.json");
    await writeFile(file, server.CREDENTIALS_KEYRING);
    const { CREDENTIALS_KEYRING: _, ...rest } = server;
    expect(loadConfig({ ...rest, CREDENTIALS_KEYRING_FILE: file }).keyringJson).toBe(
      server.CREDENTIALS_KEYRING,
    );
    expect(failure({ ...server, CREDENTIALS_KEYRING_FILE: file })).toContain("not both");
    expect(failure({ ...rest, CREDENTIALS_KEYRING_FILE: join(dir, "missing.json") })).toContain(
      "CREDENTIALS_KEYRING_FILE",
    );
  });
});
