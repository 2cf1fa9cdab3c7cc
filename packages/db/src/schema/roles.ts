// Supabase's API roles. They exist on Supabase already; the custom migration creates them elsewhere.
import { sql } from "drizzle-orm";
import { pgRole } from "drizzle-orm/pg-core";

export const anonRole = pgRole("anon").existing();
export const authenticatedRole = pgRole("authenticated").existing();
export const serviceRole = pgRole("service_role").existing();
/**
 * Owns the ledger's recorder and sequencer (security definer) and is the only role that may
 * insert or chain audit events; no role the API or a tenant holds is a member (migration 0018).
 */
export const ledgerRole = pgRole("vault_ledger").existing();
/**
 * Owns the lifecycle jobs (purge after the recovery window, expiry reminders), security definer
 * functions that act for no request; the guard lets it delete credential rows and nothing else
 * (migration 0025).
 */
export const lifecycleRole = pgRole("vault_lifecycle").existing();

/**
 * The claim role that admits a caller to a company's credentials (the seed's policy). Defined
 * here once; each migration that needs it in SQL names it once.
 */
export const ADMIN_ROLE = "Vibot.admin";

/** The seed's rule, as a policy expression: a row of the caller's company, for its admins. */
export const adminOfCompany = sql`company_id = (select public.current_company_id()) AND (select public.has_role(${sql.raw(`'${ADMIN_ROLE}'`)}))`;

/**
 * The roles an operation may switch to; nothing else is ever passed to `SET LOCAL ROLE`.
 * `authenticator` is the API login's own group role: only it may chain the ledger and register
 * key check values (migration 0020), which no role a tenant or a service key holds may do.
 */
export const requestRoles = ["authenticated", "service_role", "authenticator"] as const;
export type RequestRole = (typeof requestRoles)[number];
