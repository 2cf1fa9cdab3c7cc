// Supabase's API roles. They exist on Supabase already; the custom migration creates them elsewhere.
import { pgRole } from "drizzle-orm/pg-core";

export const anonRole = pgRole("anon").existing();
export const authenticatedRole = pgRole("authenticated").existing();
export const serviceRole = pgRole("service_role").existing();

/** The roles a request may switch to; nothing else is ever passed to `SET LOCAL ROLE`. */
export const requestRoles = ["authenticated", "service_role"] as const;
export type RequestRole = (typeof requestRoles)[number];
