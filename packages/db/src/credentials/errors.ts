// Why a credential operation was refused. The reasons are the API's error codes (the API maps each
// to its status); the messages are safe to show a caller.

export type CredentialFailure = "not_found" | "version_conflict" | "forbidden";

export class CredentialError extends Error {
  override readonly name = "CredentialError";
  constructor(
    readonly reason: CredentialFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The driver's error behind a Drizzle query error: its SQLSTATE or connection code, message, and
 * the constraint it names (postgres.js says `constraint_name`, PGlite `constraint`).
 */
export function databaseErrorOf(error: unknown): {
  code?: string;
  message?: string;
  constraint?: string;
} {
  const candidates = [error, error instanceof Error ? error.cause : undefined];
  for (const candidate of candidates) {
    if (candidate && typeof candidate === "object" && "code" in candidate) {
      const { code, message, constraint_name, constraint } = candidate as Record<string, unknown>;
      const named = constraint_name ?? constraint;
      return {
        code: String(code),
        message: typeof message === "string" ? message : undefined,
        constraint: typeof named === "string" ? named : undefined,
      };
    }
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return { message: cause instanceof Error ? cause.message : undefined };
}

/**
 * The write guard's refusal (SQLSTATE 42501, raised by `connector_credentials_guard`) as the
 * operation's own failure: the caller is not an admin user of the row's company.
 */
export const refusedByGuard = (error: unknown) =>
  databaseErrorOf(error).code === "42501"
    ? new CredentialError("forbidden", "not allowed to change credentials of this company")
    : undefined;
