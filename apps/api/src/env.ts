// What handlers read from the context: the app's dependencies and the verified caller.
import type { Keyring } from "@vibot/crypto";
import type { DatabaseHandle, JwtClaims } from "@vibot/db";
import type { Logger } from "./logger";
import type { RealtimeHub } from "./realtime/hub";

export interface AppDependencies {
  database: DatabaseHandle;
  keyring: Keyring;
  logger: Logger;
  /** HS256 secret of access tokens (Supabase's JWT secret). */
  jwtSecret: string;
  /** Versions kept per connector. */
  maxVersions: number;
  /** The realtime fan-out (one per process) and the heartbeat interval; created when absent. */
  realtime?: { hub?: RealtimeHub; heartbeatMs?: number };
}

/** Dependencies createApp fills in when the caller does not. */
export interface ResolvedDependencies extends AppDependencies {
  realtime: { hub: RealtimeHub; heartbeatMs: number };
}

/** The verified caller of a request. */
export interface Caller {
  /** The token's `sub`: the acting user. */
  userId: string;
  companyId: string;
  claims: JwtClaims;
}

export interface AppEnv {
  Variables: {
    deps: ResolvedDependencies;
    caller: Caller;
    requestId: string;
  };
}
