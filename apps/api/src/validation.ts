// Turns a failed request validation into the one error shape, listing the fields.
import type { Hook } from "@hono/zod-openapi";
import type { AppEnv } from "./env";
import { ApiError } from "./errors";

export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (result.success) return;
  const details = result.error.issues.map((issue) => ({
    field: issue.path.join(".") || "(body)",
    message: issue.message,
  }));
  throw new ApiError("bad_request", "the request is not valid", details);
};
