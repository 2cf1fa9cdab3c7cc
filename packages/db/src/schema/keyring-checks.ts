// The key canary: for every kid that ever wrote data, an HMAC of a fixed label under that kid's MAC
// key (never the key). At start the API refuses a keyring whose key for a known kid differs.
import { pgTable, timestamp, varchar } from "drizzle-orm/pg-core";

export const keyringChecks = pgTable("keyring_checks", {
  kid: varchar({ length: 32 }).primaryKey(),
  /** 64 lowercase hex: HMAC-SHA256(mac key, KEY_CHECK_LABEL). */
  checkValue: varchar({ length: 64 }).notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
