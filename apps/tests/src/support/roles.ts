// Runs raw SQL as an API role, exactly as enforced: claims set transaction-locally, then
// SET LOCAL ROLE. Never as the superuser, who bypasses RLS.
import type { JwtClaims } from "@vibot/db";
import type { RawQuery, TestDatabase } from "./database";

export async function asRole<T>(
  db: TestDatabase,
  role: "authenticated" | "service_role" | "anon",
  claims: JwtClaims | null,
  work: (query: RawQuery) => Promise<T>,
): Promise<T> {
  return db.transaction(async (query) => {
    if (claims)
      await query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);
    await query(`set local role ${role}`);
    return work(query);
  });
}

/**
 * The SQLSTATE of a failed promise (postgres.js and PGlite both expose `code`; through Drizzle it
 * is on the wrapped error's `cause`).
 */
export async function sqlState(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    const { code, cause } = error as { code?: string; cause?: { code?: string } };
    return code ?? cause?.code;
  }
}
