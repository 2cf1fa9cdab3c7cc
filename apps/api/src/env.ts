// What handlers read from the context: the app's dependencies and the verified caller.
import type { Keyring } from "@vibot/crypto";
import type { DatabaseHandle, JwtClaims } from "@vibot/db";
import type { Logger } from "./logger";
import type { RealtimeHub } from "./realtime/hub";
import type { StreamLimitOptions, StreamLimits } from "./realtime/limits";

export interface AppDependencies {
  database: DatabaseHandle;
  keyring: Keyring;
  logger: Logger;
  /** HS256 secret of access tokens (Supabase's JWT secret). */
  jwtSecret: string;
  /** Required `aud` of access tokens; `authenticated` (Supabase's user tokens) when absent. */
  jwtAudience?: string;
  /** Versions kept per connector. */
  maxVersions: number;
  /** Whether every plaintext read writes an audit event (CREDENTIALS_AUDIT_READS); default on. */
  auditReads?: boolean;
  /** How long a deleted version stays restorable (CREDENTIALS_RECOVERY_WINDOW); default 7 days. */
  recoveryWindowMs?: number;
  /** The realtime fan-out (one per process), heartbeat interval and stream caps; defaults when absent. */
  realtime?: {
    hub?: RealtimeHub;
    heartbeatMs?: number;
    limits?: Partial<StreamLimitOptions>;
    /** How far back Last-Event-ID may replay; an older (or pruned) id gets `event: reset`. */
    replayMaxAgeMs?: number;
  };
}

/** Dependencies createApp fills in when the caller does not. */
export interface ResolvedDependencies
  extends Omit<AppDependencies, "realtime" | "auditReads" | "recoveryWindowMs"> {
  auditReads: boolean;
  recoveryWindowMs: number;
  realtime: { hub: RealtimeHub; heartbeatMs: number; limits: StreamLimits; replayMaxAgeMs: number };
}

/** The verified caller of a request. */
export interface Caller {
  /** The token's `sub`: the acting user. */
  userId: string;
  companyId: string;
  claims: JwtClaims;
  /** When the token expires (epoch ms); a realtime stream ends then. */
  expiresAt: number;
  /** A digest of the token, to count its realtime streams. */
  tokenKey: string;
}

export interface AppEnv {
  Variables: {
    deps: ResolvedDependencies;
    caller: Caller;
    requestId: string;
  };
}
