// Why a credential operation was refused. The reasons are the API's error codes (the API maps each
// to its status); the messages are safe to show a caller.
import { databaseErrorOf } from "../database-error";

export type CredentialFailure =
  | "not_found"
  | "version_conflict"
  | "forbidden"
  | "deleted"
  | "bad_request";

export class CredentialError extends Error {
  override readonly name = "CredentialError";
  constructor(
    readonly reason: CredentialFailure,
    message: string,
    /** For `deleted`: until when the version can be restored (ISO 8601). */
    readonly purgeAfter?: string,
  ) {
    super(message);
  }
}

/** A deleted version's refusal, with the end of its recovery window. */
export const deletedVersion = (purgeAfter: Date | string | null) =>
  new CredentialError(
    "deleted",
    "the credential version is deleted; it can be restored until purgeAfter",
    purgeAfter === null ? undefined : new Date(purgeAfter).toISOString(),
  );

/**
 * The write guard's refusal (SQLSTATE 42501, raised by `connector_credentials_guard`) as the
 * operation's own failure: the caller is not an admin user of the row's company.
 */
export const refusedByGuard = (error: unknown) =>
  databaseErrorOf(error).code === "42501"
    ? new CredentialError("forbidden", "not allowed to change credentials of this company")
    : undefined;
