// The driver's error, read the same way for postgres.js and PGlite: the one place database errors
// are classified, below the credential operations (availability, idempotency and the domain use it).

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
