// onError: our errors, Hono's HTTP exceptions, domain and database errors, then anything else
// (500, logged). Bodies carry codes and plain messages, never driver text or data.

import { IntegrityError } from "@vibot/crypto";
import { CredentialError, databaseErrorOf, unavailableFrom } from "@vibot/db";
import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./env";
import { ApiError, type ErrorCode } from "./errors";

const httpStatusCodes: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

function classify(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    const code = httpStatusCodes[error.status] ?? "internal_error";
    return new ApiError(code, code === "bad_request" ? "malformed request body" : error.message);
  }
  // The database layer's reasons are API codes (the type says so), with messages fit to show.
  if (error instanceof CredentialError)
    return new ApiError(
      error.reason,
      error.message,
      error.purgeAfter ? { purgeAfter: error.purgeAfter } : undefined,
    );
  if (error instanceof IntegrityError) {
    return new ApiError(
      "integrity_check_failed",
      "the stored credential failed its integrity check",
    );
  }
  const unavailable = unavailableFrom(error);
  if (unavailable) {
    const message =
      unavailable.reason === "unreachable" ? "the database is unavailable" : "the database is busy";
    return new ApiError("service_unavailable", message, undefined, unavailable.retryAfterSeconds);
  }
  return undefined;
}

/** A stack line that is only a code location: `at fn (/path/file.js:1:2)` or `at /path/file.js:1:2`. */
const FRAME = /^at (?:[\w$.<>[\] ]+ \()?(?:file:\/\/|node:)?[\w./@+=-]+:\d+:\d+\)?$/;

/**
 * Where an unexpected error was thrown: the code locations of its stack (at most 8), never its
 * message, which may quote data (a driver's SQL and parameters, a parser's input). None when the
 * stack does not begin with the error's own name and message, so nothing of the message can pass
 * for a location.
 */
export function codeFrames(error: unknown): string[] | undefined {
  if (!(error instanceof Error) || typeof error.stack !== "string") return undefined;
  const header = error.message ? `${error.name}: ${error.message}` : error.name;
  if (!error.stack.startsWith(`${header}\n`)) return undefined;
  return error.stack
    .slice(header.length + 1)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => FRAME.test(line))
    .slice(0, 8);
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
    // Driver errors can quote the SQL and its parameters (keys, secrets): log codes only. A busy
    // or unreachable database is expected under faults (warn); anything else is a bug (error).
    const fields = {
      event: "request.failed",
      requestId,
      errorName: error.name,
      sqlState: error instanceof ApiError ? undefined : databaseErrorOf(error).code,
      reason: unavailableFrom(error)?.reason,
    };
    if (apiError.code === "service_unavailable") logger.warn(fields, "database unavailable");
    // A bug: where it was thrown, and on which route, so that a rare one can be found.
    else
      logger.error(
        { ...fields, route: `${c.req.method} ${c.req.routePath}`, where: codeFrames(error) },
        "request failed",
      );
  }
  if (apiError.retryAfterSeconds !== undefined)
    c.header("retry-after", String(apiError.retryAfterSeconds));
  return c.json(apiError.body(requestId), apiError.status);
};
