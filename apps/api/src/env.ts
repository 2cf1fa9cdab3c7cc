// What handlers read from the context: the app's dependencies and the verified caller.
import type { Keyring } from "@vibot/crypto";
import type { DatabaseHandle, JwtClaims } from "@vibot/db";
import type { Logger } from "./logger";

export interface AppDependencies {
  database: DatabaseHandle;
  keyring: Keyring;
  logger: Logger;
  /** HS256 secret of access tokens (Supabase's JWT secret). */
  jwtSecret: string;
  /** Versions kept per connector. */
  maxVersions: number;
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
    deps: AppDependencies;
    caller: Caller;
    requestId: string;
  };
}
