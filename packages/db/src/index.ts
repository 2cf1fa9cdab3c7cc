// @vibot/db: what the API and sibling apps use, by name. Connections, the request door and the
// credential, ledger and operator operations; test and benchmark helpers are in @vibot/db/testing.

// Connecting, migrating, and the request door.
export {
  DatabaseUnavailableError,
  type UnavailableReason,
  unavailableFrom,
} from "./availability";
export type { ConnectOptions, DatabaseHandle, Readiness, RunOptions } from "./client";
export { MAX_READ_BATCH } from "./commit-batch";
export { type JwtClaims, type RequestContext, withRequestContext } from "./context";
// Credentials: read, write, connectors, errors.
export { createConnectorOperation, listConnectorsOperation } from "./credentials/connectors";
export { CredentialError, type CredentialFailure } from "./credentials/errors";
export { verifyKeyring } from "./credentials/keyring-checks";
// The audit ledger and the change feed.
export {
  type AuditEvent,
  type AuditQuery,
  CHAIN_BATCH,
  CHAIN_LOCK_KEY,
  CHANGE_FEED_CHANNEL,
  chainEventsOperation,
  chainedChangesOperation,
  chainHeadOperation,
  changesSinceOperation,
  type LedgerChange,
  listEventsOperation,
  pruneEvents,
  replayableOperation,
} from "./credentials/ledger";
export {
  type Checkpoint,
  type FailedEvent,
  formatCheckpoint,
  type LedgerReport,
  parseCheckpoint,
  verifyLedger,
} from "./credentials/ledger-verify";
export {
  type DeleteOptions,
  deleteCredentialVersionsOperation,
  type ExpiringCredential,
  LIFECYCLE_BATCH,
  listExpiringOperation,
  promoteCredentialVersionOperation,
  purgeDueOperation,
  remindDueOperation,
  restoreCredentialVersionOperation,
  type StagedVersion,
} from "./credentials/lifecycle";
// Operator commands: re-encryption and verification.
export {
  type BatchResult,
  type FailedRow,
  reencryptBatch,
  rowsByKid,
  verifyBatch,
} from "./credentials/maintenance";
export {
  type CredentialVersion,
  isoOf,
  type Lifecycle,
  type ReadStage,
  type Stage,
  stages,
} from "./credentials/metadata";
export {
  type AuditContext,
  type Credential,
  defaultAudit,
  type ListedVersion,
  listCredentialVersionsOperation,
  readCredential,
  readCredentialOperation,
  type VersionListing,
} from "./credentials/read";
export {
  type BatchRead,
  MAX_BATCH_READ,
  readCredentials,
  readCredentialsOperation,
} from "./credentials/read-many";
export {
  type NewVersion,
  rollbackCredentialVersionOperation,
  type WrittenVersion,
  writeCredentialVersion,
  writeCredentialVersionOperation,
} from "./credentials/write";
export type { Database, Transaction } from "./database";
export { databaseErrorOf } from "./database-error";
// Idempotent writes.
export {
  IdempotencyRace,
  type IdempotentRequest,
  recallRequestOperation,
  rememberingOperation,
  replay,
} from "./idempotency";
export { DEFAULT_READ_CONNECTIONS, DEFAULT_WRITE_CONNECTIONS } from "./lane";
export type { BatchedCall, Operation } from "./operation";
export { connectPglite } from "./pglite";
export { connectPostgres, type PostgresOptions } from "./postgres";
export { type AuditAction, auditActions } from "./schema/connector-credential-events";
// The schema's names a caller needs (tables: @vibot/db/schema).
export { ADMIN_ROLE, type RequestRole } from "./schema/roles";
export { leastPrivilegeProblem, type SessionPrivileges, sessionPrivileges } from "./session";
