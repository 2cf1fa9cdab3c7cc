// Supabase's API roles. They exist on Supabase already; the custom migration creates them elsewhere.
import { pgRole } from "drizzle-orm/pg-core";

export const anonRole = pgRole("anon").existing();
export const authenticatedRole = pgRole("authenticated").existing();
export const serviceRole = pgRole("service_role").existing();

/**
 * The claim role that admits a caller to a company's credentials (the seed's policy). Defined
 * here once; each migration that needs it in SQL names it once.
 */
export const ADMIN_ROLE = "Vibot.admin";

/** The roles a request may switch to; nothing else is ever passed to `SET LOCAL ROLE`. */
export const requestRoles = ["authenticated", "service_role"] as const;
export type RequestRole = (typeof requestRoles)[number];
