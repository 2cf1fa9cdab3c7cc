// Start-up check of the API's login role (docs/SECURITY.md, "The API's login"): not a superuser, no
// BYPASSRLS, and no way to read credentials without switching role inside a request.
import { sql } from "drizzle-orm";
import type { DatabaseHandle } from "./client";
import { queryRows } from "./rows";

export interface SessionPrivileges {
  user: string;
  superuser: boolean;
  bypassRls: boolean;
  /** Whether the login itself may SELECT credentials (null: the table does not exist yet). */
  readsCredentials: boolean | null;
}

export async function sessionPrivileges(handle: DatabaseHandle): Promise<SessionPrivileges> {
  const [row] = await queryRows<SessionPrivileges>(
    handle.db,
    sql`select r.rolname as "user", r.rolsuper as superuser, r.rolbypassrls as "bypassRls",
        case when to_regclass('public.connector_credentials') is null then null
          else has_table_privilege(session_user, 'public.connector_credentials', 'SELECT') end
          as "readsCredentials"
      from pg_catalog.pg_roles r where r.rolname = session_user`,
  );
  if (!row) throw new Error("the session user is not a role");
  return row;
}

/** Why the login may not serve the API, with the fix; undefined when it may. */
export function leastPrivilegeProblem(p: SessionPrivileges): string | undefined {
  const fix = `connect the API as a login role like Supabase's authenticator: CREATE ROLE vault_api LOGIN NOINHERIT IN ROLE authenticator (no SUPERUSER, no BYPASSRLS, no grants of its own), and run migrations and operator commands with OPERATOR_DATABASE_URL`;
  if (p.superuser) return `the database role "${p.user}" is a superuser; ${fix}`;
  if (p.bypassRls) return `the database role "${p.user}" has BYPASSRLS; ${fix}`;
  if (p.readsCredentials)
    return `the database role "${p.user}" can read connector_credentials without switching role (it inherits a role's grants, or holds its own); ${fix}`;
  return undefined;
}
