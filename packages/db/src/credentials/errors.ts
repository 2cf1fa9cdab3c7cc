// Why a credential operation was refused. The reasons are the API's error codes (the API maps each
// to its status); the messages are safe to show a caller.
import { databaseErrorOf } from "../database-error";

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
 * The write guard's refusal (SQLSTATE 42501, raised by `connector_credentials_guard`) as the
 * operation's own failure: the caller is not an admin user of the row's company.
 */
export const refusedByGuard = (error: unknown) =>
  databaseErrorOf(error).code === "42501"
    ? new CredentialError("forbidden", "not allowed to change credentials of this company")
    : undefined;
