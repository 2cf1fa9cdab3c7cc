// Idempotent POSTs (docs/SECURITY.md, rules: "Idempotency"): for 24 h, a caller's `Idempotency-Key` remembers a digest of the
// request it came with and the rows the request's operation answered, so that a repeat gets the
// first response and writes nothing. Written in the same transaction as the operation (migration
// 0011): a request that failed leaves no key behind, and of two racing repeats one waits on the
// other's key and then replays it. Only `service_role` reaches it, through the request-door
// functions; RLS is forced with no policy for anyone else.
import {
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { companies } from "./companies";

export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    /** The caller's `sub`: a key never replays to another caller, even of the same company. */
    actor: uuid().notNull(),
    key: text().notNull(),
    /** `hmac-sha256` of method, path and body under a keyring-derived key: never the body. */
    requestDigest: varchar({ length: 64 }).notNull(),
    /** The operation's rows (metadata only: ids, versions, outcome; never a secret). */
    result: jsonb().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.companyId, t.actor, t.key] }),
    index().on(t.companyId, t.createdAt),
  ],
).enableRLS();
