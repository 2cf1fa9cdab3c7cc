// The client's public types: the API's shapes (generated from its OpenAPI document) under their
// own names, and the options of the client and of its writes.
import type { Reminder } from "./changes.js";
import type { components, paths } from "./generated/openapi.js";
import type { RetryOptions } from "./retry.js";

export type Schemas = components["schemas"];
export type Connector = Schemas["Connector"];
export type Credential = Schemas["Credential"];
export type CredentialVersion = Schemas["CredentialVersion"];
export type CredentialVersionList = Schemas["CredentialVersionList"];
export type AuditPage = Schemas["AuditPage"];
export type AuditQuery = NonNullable<paths["/v1/audit"]["get"]["parameters"]["query"]>;
export type Secret = Schemas["Secret"];
export type BatchReadResponse = Schemas["BatchReadResponse"];
export type ExpiringCredentials = Schemas["ExpiringCredentials"];
export type Stage = Schemas["Stage"];
export type { Reminder };

export interface VaultClientOptions {
  /** The API's origin, e.g. `https://vault.internal`. */
  baseUrl: string;
  /** The caller's access token; asked again for every request and every stream (re)connect. */
  getToken: () => string | Promise<string>;
  /** Lifetime of a cached current secret when no change says otherwise; default 5 minutes. */
  cacheTtlMs?: number;
  /** While the API cannot answer, keep serving a cached value this long; default 0 (never). */
  staleIfErrorMs?: number;
  /** Follow the realtime stream to evict changed secrets at once; default true. */
  realtime?: boolean;
  retry?: Partial<RetryOptions>;
  /** Where warnings go (e.g. a stale value served); default `console`. */
  logger?: { warn(message: string, fields?: Record<string, unknown>): void };
  fetch?: typeof fetch;
}

export interface WriteOptions {
  /** Sent as Idempotency-Key; a fresh one is made for every call when absent. */
  idempotencyKey?: string;
}

export interface DeleteOptions {
  /** Destroy at once instead of keeping the version restorable for the recovery window. */
  purge?: boolean;
}
