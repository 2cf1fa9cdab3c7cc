// The key canary (docs/SECURITY.md, rules: "Keys"): each data kid's and each ledger kid's check value is
// registered the first time the kid is seen, and a keyring whose key for a registered kid differs
// is refused before it reads or writes anything. Only the API's login may register (migration 0020).
import { type Keyring, KeyringError, keyCheckValue, ledgerKeyCheckValue } from "@vibot/crypto";
import { sql } from "drizzle-orm";
import type { DatabaseHandle } from "../client";
import type { Operation } from "../operation";

type Check = { kid: string; check_value: string };
type Stored = { kind: "data" | "ledger"; kid: string; checkValue: string };

/** Registers unseen kids' check values and returns every configured kid's stored value. */
function keyringCheckOperation(data: Check[], ledger: Check[]): Operation<Stored[]> {
  return {
    role: "authenticator",
    body: {
      statements: [
        sql`select kind, kid, check_value as "checkValue"
          from public.vault_register_keys(${JSON.stringify(data)}::jsonb, ${JSON.stringify(ledger)}::jsonb)`,
      ],
    },
    interpret: ([rows = []]) => rows as unknown as Stored[],
  };
}

/** Refuses (KeyringError naming the kid) a keyring whose key differs from the one that wrote data. */
export async function verifyKeyring(database: DatabaseHandle, keyring: Keyring): Promise<void> {
  const data = keyring.keys.map((key) => ({ kid: key.kid, check_value: keyCheckValue(key) }));
  const ledger = keyring.ledger.keys.map((key) => ({
    kid: key.kid,
    check_value: ledgerKeyCheckValue(key),
  }));
  const stored = await database.run({}, keyringCheckOperation(data, ledger));
  const expected = [
    ...data.map((c) => ({ kind: "data", ...c })),
    ...ledger.map((c) => ({ kind: "ledger", ...c })),
  ];
  for (const want of expected) {
    const found = stored.find((s) => s.kind === want.kind && s.kid === want.kid);
    if (found?.checkValue !== want.check_value) {
      const what = want.kind === "ledger" ? "ledger key" : "key";
      throw new KeyringError(
        `the ${what} of kid "${want.kid}" is not the ${what} that wrote this database's data; restore the original ${what} for "${want.kid}" (or give the new key a new kid)`,
      );
    }
  }
}
