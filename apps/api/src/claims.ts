// Reads company and roles from verified claims by the same rule as the SQL function
// vault_parse_claims(): top-level claims when present, else app_metadata.
import type { JwtClaims } from "@vibot/db";

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const appMetadata = (claims: JwtClaims): Record<string, unknown> => {
  const value = claims.app_metadata;
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
};

/** The company claim when it is a uuid, else undefined. */
export function companyOf(claims: JwtClaims): string | undefined {
  const value = "company_id" in claims ? claims.company_id : appMetadata(claims).company_id;
  return typeof value === "string" && UUID.test(value) ? value : undefined;
}

export function rolesOf(claims: JwtClaims): string[] {
  const value = "roles" in claims ? claims.roles : appMetadata(claims).roles;
  return Array.isArray(value)
    ? value.filter((role): role is string => typeof role === "string")
    : [];
}
