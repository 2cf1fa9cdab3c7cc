// Why a credential operation was refused, independent of HTTP (the API maps these to statuses).

export type CredentialFailure =
  | "connector_not_found"
  | "version_not_found"
  | "version_conflict"
  | "forbidden";

export class CredentialError extends Error {
  override readonly name = "CredentialError";
  constructor(
    readonly reason: CredentialFailure,
    message: string,
  ) {
    super(message);
  }
}

/** The driver's error behind a Drizzle query error: its SQLSTATE or connection code, and message. */
export function databaseErrorOf(error: unknown): { code?: string; message?: string } {
  const candidates = [error, error instanceof Error ? error.cause : undefined];
  for (const candidate of candidates) {
    if (candidate && typeof candidate === "object" && "code" in candidate) {
      const { code, message } = candidate as { code?: unknown; message?: unknown };
      return { code: String(code), message: typeof message === "string" ? message : undefined };
    }
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return { message: cause instanceof Error ? cause.message : undefined };
}
