// Minimal stand-in for the platform's users table; `rotated_by` points here.
import { pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { companies } from "./companies";

export const users = pgTable("users", {
  id: uuid().primaryKey().defaultRandom(),
  companyId: uuid()
    .notNull()
    .references(() => companies.id, { onDelete: "cascade" }),
  email: text(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
