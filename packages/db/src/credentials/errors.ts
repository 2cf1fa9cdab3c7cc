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

/** PostgreSQL's insufficient_privilege, raised by grants and by the in-database guard. */
export function isInsufficientPrivilege(error: unknown): boolean {
  const cause = error instanceof Error && "cause" in error ? error.cause : undefined;
  for (const candidate of [error, cause]) {
    if (
      candidate &&
      typeof candidate === "object" &&
      "code" in candidate &&
      candidate.code === "42501"
    ) {
      return true;
    }
  }
  return false;
}
