// @vibot/client: the vault over HTTP for services that must not hold the master key. Imports
// nothing from the other workspace packages; runs in Node 20 and in browsers.
export type { CacheOptions } from "./cache.js";
export * from "./client.js";
export * from "./errors.js";
export type { components, paths } from "./generated/openapi.js";
export type { RetryOptions } from "./retry.js";
