// The ledger's key canary and its prunes. Each ledger key that ever sealed events has a check
// value (an HMAC of a fixed label under it, never the key): the sequencer chains only under a key
// that matches one. Each operator prune leaves the chain MAC it cut at, so that the first
// remaining event is still anchored and a prefix removed any other way is detected.
import { bigint, pgTable, timestamp, varchar } from "drizzle-orm/pg-core";

export const ledgerKeys = pgTable("ledger_keys", {
  kid: varchar({ length: 32 }).primaryKey(),
  /** 64 lowercase hex: HMAC-SHA256(ledger MAC key, LEDGER_KEY_CHECK_LABEL). */
  checkValue: varchar({ length: 64 }).notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export const ledgerPrunes = pgTable("ledger_prunes", {
  /** Every chain position up to this one was removed. */
  throughSeq: bigint({ mode: "number" }).primaryKey(),
  /** The chain MAC at `throughSeq`: what the first remaining event's MAC extends. */
  chainMac: varchar({ length: 128 }).notNull(),
  prunedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
