// The digest an Idempotency-Key is remembered with: HMAC-SHA256 of the request (method, path and
// body) under the active kid's MAC key, with its own label. A body carries a secret, so a plain
// hash stored in the database would let anyone who reads it test guesses of that secret.
import { createHmac } from "node:crypto";
import type { Keyring } from "./keyring";

const LABEL = "vibot/idempotency-key/request/v1";

/** 64 hex characters naming one request's method, path and body bytes. */
export function requestDigest(keyring: Keyring, method: string, path: string, body: string) {
  return createHmac("sha256", keyring.active.macKey)
    .update(`${LABEL}\n${method}\n${path}\n`)
    .update(body)
    .digest("hex");
}
