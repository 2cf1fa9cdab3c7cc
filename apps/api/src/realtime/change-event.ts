// A chained change event of the ledger in Supabase's postgres-changes shape, as the realtime
// stream sends it: metadata only, never ciphertext, checksum or secret.
import { type Keyring, sealEventId } from "@vibot/crypto";
import { type CredentialVersion, isoOf, type LedgerChange } from "@vibot/db";

export const CHANNEL = "public:connector_credentials";

/** The kind of change, as Supabase names it. */
type ChangeKind = "INSERT" | "UPDATE" | "DELETE";

const kinds: Record<LedgerChange["action"], ChangeKind> = {
  rotate: "INSERT",
  rollback: "INSERT",
  reencrypt: "UPDATE",
  destroy: "DELETE",
};

/** Supabase's postgres-changes payload shape; a side that does not exist is `{}`. */
export interface ChangeEvent {
  /**
   * SSE id: the event's chain position, made opaque (sealEventId): it reveals nothing of other
   * companies' activity; Last-Event-ID turns it back.
   */
  id: string;
  /** The chain position itself (never sent): the stream's order. */
  position: bigint;
  companyId: string;
  payload: {
    schema: "public";
    table: "connector_credentials";
    eventType: ChangeKind;
    commitTimestamp: string;
    new: CredentialVersion | Record<string, never>;
    old: CredentialVersion | Record<string, never>;
  };
}

/** A ledger change event in Supabase's postgres-changes shape. */
export function changeEventFromLedger(change: LedgerChange, keyring: Keyring): ChangeEvent {
  const eventType = kinds[change.action];
  const version: CredentialVersion = {
    id: change.credential_id,
    companyId: change.company_id,
    connectorId: change.connector_id,
    version: change.version,
    rotatedAt: isoOf(change.rotated_at ?? change.occurred_at),
    rotatedBy: change.rotated_by,
  };
  return {
    id: sealEventId(keyring, change.chain_seq, "position"),
    position: BigInt(change.chain_seq),
    companyId: change.company_id,
    payload: {
      schema: "public",
      table: "connector_credentials",
      eventType,
      commitTimestamp: isoOf(change.occurred_at),
      new: eventType === "DELETE" ? {} : version,
      old: eventType === "INSERT" ? {} : version,
    },
  };
}
