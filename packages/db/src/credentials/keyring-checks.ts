// The key canary (SPEC §4.2): each kid's check value is recorded the first time the kid is seen,
// and a keyring whose key for a recorded kid differs is refused before it reads or writes anything.
import { type Keyring, KeyringError, keyCheckValue } from "@vibot/crypto";
import { sql } from "drizzle-orm";
import type { DatabaseHandle } from "../client";
import type { Operation } from "../operation";

/** Records unseen kids' check values and returns every configured kid's stored value. */
function keyringCheckOperation(keyring: Keyring): Operation<Map<string, string>> {
  const values = keyring.keys.map((key) => ({ kid: key.kid, check_value: keyCheckValue(key) }));
  return {
    role: "service_role",
    body: {
      statements: [
        sql`insert into public.keyring_checks (kid, check_value)
        select kid, check_value from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
          as k(kid text, check_value text)
        on conflict (kid) do nothing`,
        sql`select kid, check_value as "checkValue" from public.keyring_checks
        where kid in (select jsonb_array_elements_text(${JSON.stringify(keyring.kids)}::jsonb))`,
      ],
    },
    interpret: ([, rows = []]) =>
      new Map((rows as { kid: string; checkValue: string }[]).map((r) => [r.kid, r.checkValue])),
  };
}

/** Refuses (KeyringError naming the kid) a keyring whose key differs from the one that wrote data. */
export async function verifyKeyring(database: DatabaseHandle, keyring: Keyring): Promise<void> {
  const stored = await database.run({}, keyringCheckOperation(keyring));
  for (const key of keyring.keys) {
    if (stored.get(key.kid) !== keyCheckValue(key)) {
      throw new KeyringError(
        `the key of kid "${key.kid}" is not the key that wrote this database's data; restore the original key for "${key.kid}" (or give the new key a new kid)`,
      );
    }
  }
}
