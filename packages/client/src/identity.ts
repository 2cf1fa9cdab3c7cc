// Whose token it is: company and subject read from the JWT's payload (not verified here — the
// API verifies it), so that cached secrets are never shared between callers.

let lastToken: string | undefined;
let lastIdentity = "";

const decode = (segment: string) =>
  JSON.parse(
    new TextDecoder().decode(
      Uint8Array.from(atob(segment.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)),
    ),
  ) as { sub?: unknown; company_id?: unknown; app_metadata?: { company_id?: unknown } };

/** `<company>/<sub>` of a token (by the API's rule: top-level company_id, else app_metadata). */
export function identityOf(token: string): string {
  if (token === lastToken) return lastIdentity;
  let identity = `unknown:${token}`;
  try {
    const claims = decode(token.split(".")[1] ?? "");
    const company = "company_id" in claims ? claims.company_id : claims.app_metadata?.company_id;
    identity = `${String(company)}/${String(claims.sub)}`;
  } catch {
    // Not a JWT we can read: the token itself is the identity.
  }
  lastToken = token;
  lastIdentity = identity;
  return identity;
}
