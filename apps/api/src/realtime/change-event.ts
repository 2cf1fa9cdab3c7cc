// A chained change event of the ledger in Supabase's postgres-changes shape, as the realtime
// stream sends it: metadata only, never ciphertext, checksum or secret. A lifecycle stage change
// is an UPDATE whose sides carry `stage`; an expiry reminder is `event: REMINDER`
// (docs/ARCHITECTURE.md, "Version lifecycle").
import { type Keyring, sealEventId } from "@vibot/crypto";
import { type CredentialVersion, isoOf, type LedgerChange, type Stage } from "@vibot/db";

export const CHANNEL = "public:connector_credentials";

/** The kind of change, as Supabase names it. */
type ChangeKind = "INSERT" | "UPDATE" | "DELETE";
type ReminderAction = "expiring" | "expired";

const kinds: Record<Exclude<LedgerChange["action"], ReminderAction>, ChangeKind> = {
  rotate: "INSERT",
  rollback: "INSERT",
  stage: "INSERT",
  reencrypt: "UPDATE",
  promote: "UPDATE",
  delete: "UPDATE",
  restore: "UPDATE",
  destroy: "DELETE",
  purge: "DELETE",
};

/** A version's side of a change: its metadata, with its stage when the change concerns it. */
type Side = (CredentialVersion & { stage?: Stage }) | Record<string, never>;

/** An expiry reminder (`event: REMINDER`). */
export interface Reminder {
  type: ReminderAction;
  connectorId: string;
  version: number;
  expiresAt: string;
}

/**
 * The stages before and after a change: from the event's sealed detail (`pending>current`), or
 * for a written version the stage it was written at.
 */
function stagesOf(change: LedgerChange): [Stage | undefined, Stage | undefined] {
  if (change.action === "stage") return [undefined, "pending"];
  if (change.action === "rotate" || change.action === "rollback") return [undefined, "current"];
  const [before, after] = (change.detail ?? "").split(">");
  const known = (stage: string | undefined) =>
    stage && stage !== "purged" ? (stage as Stage) : undefined;
  return [known(before), known(after)];
}

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
  /** The SSE event name. */
  kind: ChangeKind | "REMINDER";
  payload:
    | {
        schema: "public";
        table: "connector_credentials";
        eventType: ChangeKind;
        commitTimestamp: string;
        new: Side;
        old: Side;
      }
    | Reminder;
}

/** A ledger change event in Supabase's postgres-changes shape, or a reminder. */
export function changeEventFromLedger(change: LedgerChange, keyring: Keyring): ChangeEvent {
  const id = sealEventId(keyring, change.chain_seq, "position");
  const position = BigInt(change.chain_seq);
  const companyId = change.company_id;
  if (change.action === "expiring" || change.action === "expired") {
    const payload: Reminder = {
      type: change.action,
      connectorId: change.connector_id,
      version: change.version,
      expiresAt: change.detail ?? "",
    };
    return { id, position, companyId, kind: "REMINDER", payload };
  }
  const eventType = kinds[change.action];
  const version: CredentialVersion = {
    id: change.credential_id,
    companyId: change.company_id,
    connectorId: change.connector_id,
    version: change.version,
    rotatedAt: isoOf(change.rotated_at ?? change.occurred_at),
    rotatedBy: change.rotated_by,
  };
  const [before, after] = stagesOf(change);
  const side = (stage: Stage | undefined): Side => (stage ? { ...version, stage } : version);
  return {
    id,
    position,
    companyId,
    kind: eventType,
    payload: {
      schema: "public",
      table: "connector_credentials",
      eventType,
      commitTimestamp: isoOf(change.occurred_at),
      new: eventType === "DELETE" ? {} : side(after),
      old: eventType === "INSERT" ? {} : side(before),
    },
  };
}
