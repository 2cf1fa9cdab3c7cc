// @vibot/client: the vault over HTTP for services that must not hold the master key. Imports
// nothing from the other workspace packages; runs in Node 20 and in browsers.
export type { CacheOptions } from "./cache";
export * from "./client";
export * from "./errors";
export type { components, paths } from "./generated/openapi";
export type { RetryOptions } from "./retry";
