// Structured JSON logs (pino). Secrets, tokens and keys are redacted by path, whatever logs them.
import pino, { type Logger } from "pino";

export type { Logger };

export const redactedPaths = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "access_token",
  "*.access_token",
  "secret",
  "*.secret",
  "plaintext",
  "*.plaintext",
  "secretJson",
  "*.secretJson",
  "keyring",
  "*.keyring",
  "jwtSecret",
  "*.jwtSecret",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactedPaths, censor: "[redacted]" },
      base: { service: "vibot-vault" },
    },
    destination,
  );
}
