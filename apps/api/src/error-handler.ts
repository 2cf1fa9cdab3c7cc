// onError: our errors, Hono's HTTP exceptions, domain and database errors, then anything else
// (500, logged). Bodies carry codes and plain messages, never driver text or data.
import { IntegrityError } from "@vibot/crypto";
import { CredentialError, databaseErrorOf } from "@vibot/db";
import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./env";
import { ApiError, type ErrorCode } from "./errors";

const credentialFailures = {
  connector_not_found: ["not_found", "connector not found"],
  version_not_found: ["not_found", "credential version not found"],
  version_conflict: ["version_conflict", ""],
  forbidden: ["forbidden", "not allowed"],
} as const satisfies Record<CredentialError["reason"], [ErrorCode, string]>;

const httpStatusCodes: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/** SQLSTATEs and driver codes that mean "the database is not there right now". */
const UNAVAILABLE =
  /^(08\w{3}|57P0[1-3]|53300|ECONNREFUSED|ECONNRESET|ETIMEDOUT|CONNECT_TIMEOUT|CONNECTION_(CLOSED|ENDED|DESTROYED))$/;

function classify(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    const code = httpStatusCodes[error.status] ?? "internal_error";
    return new ApiError(code, code === "bad_request" ? "malformed request body" : error.message);
  }
  if (error instanceof CredentialError) {
    const [code, message] = credentialFailures[error.reason];
    return new ApiError(code, message || error.message);
  }
  if (error instanceof IntegrityError) {
    return new ApiError(
      "integrity_check_failed",
      "the stored credential failed its integrity check",
    );
  }
  const database = databaseErrorOf(error);
  if (database.code === "42501")
    return new ApiError("forbidden", "not allowed to change credentials of this company");
  if (database.code && UNAVAILABLE.test(database.code)) {
    return new ApiError("service_unavailable", "the database is unavailable");
  }
  if (database.message?.includes("PGlite is closed")) {
    return new ApiError("service_unavailable", "the database is unavailable");
  }
  return undefined;
}

export const onError: ErrorHandler<AppEnv> = (error, c) => {
  const requestId = c.var.requestId ?? "unknown";
  const logger = c.var.deps.logger;
  const apiError = classify(error) ?? new ApiError("internal_error", "internal error");
  if (error instanceof IntegrityError) {
    logger.error(
      {
        event: "security.integrity_check_failed",
        reason: error.reason,
        credentialId: error.credentialId,
        connectorId: c.req.param("connectorId"),
        companyId: c.var.caller?.companyId,
        requestId,
      },
      "credential integrity check failed",
    );
  } else if (apiError.code === "internal_error" || apiError.code === "service_unavailable") {
    // Driver errors can quote the SQL and its parameters (keys, secrets): log codes only.
    const database = databaseErrorOf(error);
    logger.error(
      { event: "request.failed", requestId, errorName: error.name, sqlState: database.code },
      "request failed",
    );
  }
  return c.json(apiError.body(requestId), apiError.status);
};
