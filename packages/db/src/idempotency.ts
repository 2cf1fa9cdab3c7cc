// Idempotent writes at the request door (docs/SECURITY.md, rules: "Idempotency"): a write sent with
// an Idempotency-Key runs wrapped so that, in its own transaction, the key is remembered under the
// caller (company and sub) with the request's digest and the rows the write answered, when it
// wrote. A repeat is answered from those rows (`recallRequestOperation`)
// and writes nothing; a repeat racing the first waits on its key, rolls back, and is answered the
// same way (`IdempotencyRace`).
import { type SQL, sql } from "drizzle-orm";
import { databaseErrorOf } from "./database-error";
import { type Operation, operationFailure } from "./operation";

/** How long a key is remembered (sql/functions/vault_recall_request.sql says the same). */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

export interface IdempotentRequest {
  /** The client's Idempotency-Key, scoped to the caller (company and sub). */
  key: string;
  /** `requestDigest` of the request (method, path, body). */
  digest: string;
}

/** What a key remembers: the first request's digest and its operation's rows. */
export interface RememberedRequest {
  digest: string;
  rows: Record<string, unknown>[];
}

/** The write lost a race to a repeat with the same key; it rolled back and wrote nothing. */
export class IdempotencyRace extends Error {
  override readonly name = "IdempotencyRace";
  constructor() {
    super("another request with this Idempotency-Key committed first");
  }
}

/**
 * The caller's live entry for `key`, if any (an expired one is dropped first); none for a caller
 * who may not make the request (not an admin of the company, or a sub that is not its user).
 */
export function recallRequestOperation(key: string): Operation<RememberedRequest | undefined> {
  return {
    role: "service_role",
    body: {
      call: (claims) =>
        sql`select request_digest as digest, result as rows
          from public.vault_recall_request(${claims}, ${key})`,
    },
    interpret: ([rows = []]) => rows[0] as RememberedRequest | undefined,
  };
}

/**
 * `operation` (a write of one statement, or a call) that also remembers `request` with the rows
 * it answers, in the same statement, when they say it wrote (`operation.written`): the write runs
 * first (its rows materialised), then the key is inserted, and only then are the rows returned.
 */
export function rememberingOperation<T>(
  operation: Operation<T>,
  request: IdempotentRequest,
): Operation<T> {
  const written = operation.written ?? sql`true`;
  const remembered = (statement: SQL, claims: SQL) =>
    sql`with result as materialized (${statement})
      select * from result where (select case when exists (select 1 from result r where ${written})
        then public.vault_remember_request(${claims}, ${request.key}, ${request.digest},
          (select coalesce(jsonb_agg(to_jsonb(r)), '[]'::jsonb) from result r))
        else true end)`;
  const { body } = operation;
  if (!("call" in body) && body.statements.length !== 1)
    throw new Error("only a write of one statement can be remembered");
  // Never committed with others: its key is entered under the claims of its own statement.
  const { together: _alone, ...own } = operation;
  return {
    ...own,
    body:
      "call" in body
        ? { call: (claims) => remembered(body.call(claims), claims) }
        : {
            statements: body.statements.map((statement) =>
              remembered(statement, sql`current_setting('request.jwt.claims', true)`),
            ),
          },
    mapError(error) {
      const { code, constraint } = databaseErrorOf(error);
      if (code === "23505" && constraint === "idempotency_keys_company_id_actor_key_pk")
        return new IdempotencyRace();
      return operationFailure(operation, error);
    },
  };
}

/** The answer a remembered request gets: the first one's rows, read by the same operation. */
export const replay = <T>(operation: Operation<T>, remembered: RememberedRequest): T =>
  operation.interpret([remembered.rows]);
