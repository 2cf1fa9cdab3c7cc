// Request and response schemas: validation and the OpenAPI document come from the same source.
import { z } from "@hono/zod-openapi";
import { errorCodes } from "./errors";

export const MAX_SECRET_BYTES = 65_536;
const MAX_INT4 = 2_147_483_647;

export const Uuid = z.uuid();

export const ConnectorParams = z.object({
  connectorId: Uuid.openapi({
    param: { name: "connectorId", in: "path" },
    example: "3f1c6d1e-4a55-4c1a-9a55-2b8f5d1f7c10",
  }),
});

export const VersionParams = ConnectorParams.extend({
  version: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, "must be a positive integer")
    .refine((v) => Number(v) <= MAX_INT4, "is too large")
    .openapi({ param: { name: "version", in: "path" }, example: "3" }),
});

const VersionNumber = z.number().int().min(1).max(MAX_INT4);
const ExpectedVersion = z
  .number()
  .int()
  .min(0)
  .max(MAX_INT4)
  .optional()
  .openapi({ description: "Check-and-set: the current version; 0 means only if none exists." });

/** A secret: a JSON string or a JSON object. Returned exactly as written. */
export const Secret = z
  .union([z.string().min(1), z.record(z.string(), z.unknown())])
  .openapi("Secret", {
    description: "A JSON string or object, at most 65,536 UTF-8 bytes serialised.",
    example: { apiKey: "sk_live_…" },
  });

/** An instant in the future, ISO 8601 with a zone (`Z` or an offset). */
const FutureInstant = z.iso
  .datetime({ offset: true })
  .refine((text) => Date.parse(text) > Date.now(), "must be in the future")
  .refine((text) => new Date(text).getUTCFullYear() <= 9999, "must be before the year 10000");

export const RotateBody = z
  .strictObject({
    secret: Secret,
    expectedVersion: ExpectedVersion,
    stage: z.enum(["current", "pending"]).optional().openapi({
      description:
        "`pending` writes a version that `/current` does not return until it is promoted.",
    }),
    expiresAt: FutureInstant.optional().openapi({
      description: "When the secret expires: information (reminders, `expired`), not enforcement.",
      format: "date-time",
    }),
  })
  .openapi("RotateCredential");
export const PromoteBody = z
  .strictObject({ version: VersionNumber, expectedVersion: ExpectedVersion })
  .openapi("PromoteCredential");
export const RollbackBody = z
  .strictObject({ version: VersionNumber, expectedVersion: ExpectedVersion })
  .openapi("RollbackCredential");
/** PostgreSQL text cannot hold NUL: refuse it as bad input rather than fail in the database. */
const noNul = (text: string) => !text.includes("\u0000");
export const CreateConnectorBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).refine(noNul, "must not contain NUL characters"),
    provider: z.string().trim().min(1).max(100).refine(noNul, "must not contain NUL characters"),
  })
  .openapi("CreateConnector");

const Timestamp = z.string().openapi({ format: "date-time", example: "2026-01-01T00:00:00.000Z" });

export const Connector = z
  .object({
    id: Uuid,
    companyId: Uuid,
    name: z.string(),
    provider: z.string(),
    createdAt: Timestamp,
  })
  .openapi("Connector");

export const Stage = z
  .enum(["current", "pending", "previous", "retained", "deleted"])
  .openapi("Stage", {
    description:
      "current: what /current returns; pending: staged, awaiting promote; previous: current before the last change of current; retained: any other kept version; deleted: restorable until purgeAfter.",
  });

export const CredentialVersion = z
  .object({
    id: Uuid,
    connectorId: Uuid,
    companyId: Uuid,
    version: VersionNumber,
    rotatedAt: Timestamp,
    rotatedBy: Uuid.nullable(),
    stage: Stage,
  })
  .openapi("CredentialVersion");

export const VersionList = z
  .object({
    versions: z.array(
      CredentialVersion.pick({
        id: true,
        version: true,
        rotatedAt: true,
        rotatedBy: true,
        stage: true,
      }).extend({ expiresAt: Timestamp.nullable(), purgeAfter: Timestamp.nullable() }),
    ),
    currentVersion: VersionNumber.nullable(),
  })
  .openapi("CredentialVersionList");

export const Credential = z
  .object({
    id: Uuid,
    connectorId: Uuid,
    version: VersionNumber,
    secret: Secret,
    rotatedAt: Timestamp,
    rotatedBy: Uuid.nullable(),
    stage: Stage,
    expiresAt: Timestamp.nullable(),
    expired: z.boolean().openapi({ description: "expiresAt has passed; the secret still reads" }),
  })
  .openapi("Credential");

export const ExpiringList = z
  .object({
    credentials: z.array(
      z.object({
        connectorId: Uuid,
        version: VersionNumber,
        expiresAt: Timestamp,
        expired: z.boolean(),
      }),
    ),
  })
  .openapi("ExpiringCredentials");

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      requestId: z.string(),
      details: z
        .union([
          z.array(z.object({ field: z.string(), message: z.string() })),
          z.object({ purgeAfter: Timestamp }).openapi({ description: "410 deleted" }),
        ])
        .optional(),
    }),
  })
  .openapi("Error");

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorBody } },
});

/** The error responses every authenticated route may give. */
export const commonErrors = {
  400: errorResponse("Malformed JSON, failed validation, non-uuid ids or non-integer versions"),
  401: errorResponse("Missing, malformed, expired or badly signed token"),
  403: errorResponse("Not an admin of a company, or the token's subject is not a user"),
  404: errorResponse("No such connector for this company, or no such version"),
  410: errorResponse("deleted: the version is deleted, restorable until details.purgeAfter"),
  500: errorResponse("integrity_check_failed or internal_error"),
  503: errorResponse("The database is unavailable"),
} as const;

export const writeErrors = {
  ...commonErrors,
  409: errorResponse("expectedVersion does not match the current version"),
  413: errorResponse("Secret over 65,536 bytes or body over 128 KiB"),
  415: errorResponse("The body is not JSON"),
  422: errorResponse("idempotency_key_reused: the Idempotency-Key came before with another body"),
} as const;

/**
 * `Idempotency-Key` of every POST: a repeat of the same request with the same key within 24 h
 * gets the first response (header `Idempotent-Replayed: true`) and writes nothing.
 */
export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, "must be 1-255 visible ASCII characters")
    .optional()
    .openapi({
      description:
        "Makes the POST safe to retry: for 24 h, a repeat with this key and the same body gets " +
        "the first response and writes nothing; with another body, 422 idempotency_key_reused. " +
        "Scoped to the caller's company.",
      example: "rotate-7f3c2a9e",
    }),
});

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
