// Configuration (README, "Configuration"): read from the environment once, validated, and the only module that
// touches process.env. An invalid value stops the process with a message naming the variable.
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_READ_CONNECTIONS, DEFAULT_WRITE_CONNECTIONS } from "@vibot/db";
import { z } from "zod";
import { DEFAULT_STREAM_LIMITS } from "./realtime/limits";

/** Relative paths in configuration resolve against the repository root, wherever a script runs. */
export const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));

export const resolveFromRoot = (path: string) =>
  path.startsWith("memory://") || isAbsolute(path) ? path : resolve(repositoryRoot, path);

const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL");
const count = (min: number, max: number) =>
  z.coerce.number().int("must be an integer").min(min).max(max);

const DURATION_UNITS_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `7d`, `12h`, `30m`, `90s`, `0`, or ISO 8601 days and time (`P7D`, `PT12H`, `P1DT6H`), in ms;
 * undefined when the text is none of these.
 */
export function durationMs(text: string): number | undefined {
  if (text === "0") return 0;
  const short = /^(\d{1,9})([smhd])$/.exec(text);
  if (short?.[1] && short[2])
    return Number(short[1]) * DURATION_UNITS_MS[short[2] as keyof typeof DURATION_UNITS_MS];
  const iso = /^P(?:(\d{1,9})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9})S)?)?$/.exec(text);
  if (!iso || text === "P" || text.endsWith("T")) return undefined;
  const [, d = "0", h = "0", m = "0", sec = "0"] = iso;
  return (
    Number(d) * DURATION_UNITS_MS.d +
    Number(h) * DURATION_UNITS_MS.h +
    Number(m) * DURATION_UNITS_MS.m +
    Number(sec) * DURATION_UNITS_MS.s
  );
}

const duration = z.string().transform((text, ctx) => {
  const ms = durationMs(text);
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: "custom", message: "must be a duration such as 7d, 12h or P7D" });
  return z.NEVER;
});

const environmentSchema = z.object({
  DATABASE_URL: postgresUrl.optional(),
  PGLITE_DATA_DIR: z.string().min(1).default("./.data/pglite"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int("must be an integer").min(0).max(65_535).default(3000),
  SUPABASE_JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  CREDENTIALS_KEYRING: z.string().min(1).optional(),
  CREDENTIALS_KEYRING_FILE: z.string().min(1).optional(),
  CREDENTIALS_MAX_VERSIONS: z.coerce
    .number()
    .int("must be an integer")
    .min(1)
    .max(1000)
    .default(10),
  LOG_LEVEL: z.enum(levels).default("info"),
  OPERATOR_DATABASE_URL: postgresUrl.optional(),
  JWT_AUDIENCE: z.string().min(1).default("authenticated"),
  CREDENTIALS_AUDIT_READS: z.enum(["on", "off"]).default("on"),
  REALTIME_MAX_STREAMS_PER_TOKEN: count(1, 1_000).default(DEFAULT_STREAM_LIMITS.maxStreamsPerToken),
  REALTIME_MAX_STREAMS_PER_COMPANY: count(1, 100_000).default(
    DEFAULT_STREAM_LIMITS.maxStreamsPerCompany,
  ),
  REALTIME_REPLAY_MAX_AGE: duration.default(7 * DURATION_UNITS_MS.d),
  CREDENTIALS_RECOVERY_WINDOW: duration.default(7 * DURATION_UNITS_MS.d),
  CREDENTIALS_EXPIRY_WARNING: duration.default(7 * DURATION_UNITS_MS.d),
  DATABASE_POOL_MAX: count(2, 1_000).default(20),
  DATABASE_READ_CONNECTIONS: count(1, 1_000).default(DEFAULT_READ_CONNECTIONS),
  DATABASE_WRITE_CONNECTIONS: count(1, 1_000).default(DEFAULT_WRITE_CONNECTIONS),
  DATABASE_ACQUIRE_TIMEOUT_MS: count(1, 600_000).default(2_000),
  DATABASE_LOCK_TIMEOUT_MS: count(1, 600_000).default(2_000),
  DATABASE_STATEMENT_TIMEOUT_MS: count(1, 600_000).default(5_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: count(1_000, 3_600_000).default(65_000),
  SHUTDOWN_GRACE_MS: count(0, 3_600_000).default(10_000),
});

export interface Config {
  databaseUrl: string | undefined;
  pgliteDataDir: string;
  host: string;
  port: number;
  /** Undefined only in embedded dev mode, where dev secrets are generated on first start. */
  jwtSecret: string | undefined;
  /** Keyring JSON text (from the variable or the file); undefined only in embedded dev mode. */
  keyringJson: string | undefined;
  maxVersions: number;
  logLevel: (typeof levels)[number];
  /** A role that owns the schema or bypasses RLS, for migrate, reencrypt and verify-integrity. */
  operatorDatabaseUrl: string | undefined;
  jwtAudience: string;
  /** Whether every plaintext read writes an audit event; changes are always recorded. */
  auditReads: boolean;
  realtime: { maxStreamsPerToken: number; maxStreamsPerCompany: number; replayMaxAgeMs: number };
  /** How long a deleted version stays restorable (0: destroyed at once); reminder lead time. */
  lifecycle: { recoveryWindowMs: number; expiryWarningMs: number };
  database: {
    poolMax: number;
    readConnections: number;
    writeConnections: number;
    acquireTimeoutMs: number;
    lockTimeoutMs: number;
    statementTimeoutMs: number;
  };
  http: { keepAliveTimeoutMs: number; shutdownGraceMs: number };
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses and validates the environment. Secret values never appear in the messages. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const blankAsUnset = Object.fromEntries(
    Object.entries(environment).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = environmentSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const env = parsed.data;
  if (env.CREDENTIALS_KEYRING && env.CREDENTIALS_KEYRING_FILE) {
    throw new ConfigError("set CREDENTIALS_KEYRING or CREDENTIALS_KEYRING_FILE, not both");
  }
  let keyringJson = env.CREDENTIALS_KEYRING;
  if (env.CREDENTIALS_KEYRING_FILE) {
    try {
      keyringJson = readFileSync(resolveFromRoot(env.CREDENTIALS_KEYRING_FILE), "utf8");
    } catch {
      throw new ConfigError("CREDENTIALS_KEYRING_FILE cannot be read");
    }
  }
  if (env.DATABASE_URL && !env.SUPABASE_JWT_SECRET) {
    throw new ConfigError("SUPABASE_JWT_SECRET is required when DATABASE_URL is set");
  }
  if (env.DATABASE_URL && !keyringJson) {
    throw new ConfigError(
      "CREDENTIALS_KEYRING or CREDENTIALS_KEYRING_FILE is required when DATABASE_URL is set",
    );
  }
  return {
    databaseUrl: env.DATABASE_URL,
    pgliteDataDir: resolveFromRoot(env.PGLITE_DATA_DIR),
    host: env.HOST,
    port: env.PORT,
    jwtSecret: env.SUPABASE_JWT_SECRET,
    keyringJson,
    maxVersions: env.CREDENTIALS_MAX_VERSIONS,
    logLevel: env.LOG_LEVEL,
    operatorDatabaseUrl: env.OPERATOR_DATABASE_URL,
    jwtAudience: env.JWT_AUDIENCE,
    auditReads: env.CREDENTIALS_AUDIT_READS === "on",
    realtime: {
      maxStreamsPerToken: env.REALTIME_MAX_STREAMS_PER_TOKEN,
      maxStreamsPerCompany: env.REALTIME_MAX_STREAMS_PER_COMPANY,
      replayMaxAgeMs: env.REALTIME_REPLAY_MAX_AGE,
    },
    lifecycle: {
      recoveryWindowMs: env.CREDENTIALS_RECOVERY_WINDOW,
      expiryWarningMs: env.CREDENTIALS_EXPIRY_WARNING,
    },
    database: {
      poolMax: env.DATABASE_POOL_MAX,
      readConnections: env.DATABASE_READ_CONNECTIONS,
      writeConnections: env.DATABASE_WRITE_CONNECTIONS,
      acquireTimeoutMs: env.DATABASE_ACQUIRE_TIMEOUT_MS,
      lockTimeoutMs: env.DATABASE_LOCK_TIMEOUT_MS,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    },
    http: {
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    },
  };
}
