// The API's errors as classes, one per `code` of its error body (the union comes from the
// generated OpenAPI types, so a code added to the API and not here fails the type check), plus
// the one error of the network itself.
import type { components } from "./generated/openapi.js";

export type ErrorCode = components["schemas"]["Error"]["error"]["code"];
export type ErrorDetail = { field: string; message: string };

/** An error answer of the API: its code, HTTP status, request id and field details. */
export class VaultError extends Error {
  override name = "VaultError";
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly requestId: string | undefined,
    readonly details: ErrorDetail[] = [],
    /** Seconds from the Retry-After header (429, 503). */
    readonly retryAfterSeconds?: number,
    /** For `deleted` (410): until when the version can be restored. */
    readonly purgeAfter?: string,
  ) {
    super(message);
  }
}

type Subclass = new (...args: ConstructorParameters<typeof VaultError>) => VaultError;
const named = (name: string): Subclass =>
  class extends VaultError {
    override name = name;
  };

export const BadRequestError = named("BadRequestError");
export const UnauthorizedError = named("UnauthorizedError");
export const ForbiddenError = named("ForbiddenError");
export const NotFoundError = named("NotFoundError");
export const VersionConflictError = named("VersionConflictError");
export const DeletedError = named("DeletedError");
export const PayloadTooLargeError = named("PayloadTooLargeError");
export const UnsupportedMediaTypeError = named("UnsupportedMediaTypeError");
export const IdempotencyKeyReusedError = named("IdempotencyKeyReusedError");
export const TooManyRequestsError = named("TooManyRequestsError");
export const IntegrityCheckFailedError = named("IntegrityCheckFailedError");
export const InternalError = named("InternalError");
export const ServiceUnavailableError = named("ServiceUnavailableError");

const classOf = {
  bad_request: BadRequestError,
  unauthorized: UnauthorizedError,
  forbidden: ForbiddenError,
  not_found: NotFoundError,
  version_conflict: VersionConflictError,
  deleted: DeletedError,
  payload_too_large: PayloadTooLargeError,
  unsupported_media_type: UnsupportedMediaTypeError,
  idempotency_key_reused: IdempotencyKeyReusedError,
  too_many_requests: TooManyRequestsError,
  integrity_check_failed: IntegrityCheckFailedError,
  internal_error: InternalError,
  service_unavailable: ServiceUnavailableError,
} satisfies Record<ErrorCode, Subclass>;

/** The API could not be reached (refused, reset, timed out) after the retries allowed. */
export class VaultUnreachableError extends Error {
  override name = "VaultUnreachableError";
}

/** The typed error of an error answer (a body that is not the API's maps by status). */
export function errorFromResponse(response: Response, body: unknown): VaultError {
  const error = (body as { error?: Partial<components["schemas"]["Error"]["error"]> })?.error;
  const code =
    error?.code && error.code in classOf
      ? error.code
      : response.status === 503
        ? "service_unavailable"
        : "internal_error";
  const retryAfter = Number(response.headers.get("retry-after"));
  const details = error?.details;
  return new classOf[code](
    code,
    response.status,
    error?.message ?? `HTTP ${response.status}`,
    error?.requestId ?? response.headers.get("x-request-id") ?? undefined,
    Array.isArray(details) ? details : [],
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    details && !Array.isArray(details) ? details.purgeAfter : undefined,
  );
}

/** Whether an error means "the API cannot answer right now" (stale-if-error applies). */
export const isUnavailable = (error: unknown) =>
  error instanceof VaultUnreachableError ||
  (error instanceof VaultError && [502, 503, 504].includes(error.status));
