/**
 * `createWsClient`: in a browser with Web Locks and BroadcastChannel, a client whose tabs share
 * one connection (shared-tabs/); with `share: false`, in Node, or without those APIs, a client
 * with a connection of its own (client.ts). Both have the same API and options.
 */
import { createConnectionClient } from './client.js';
import { resolveOptions } from './options.js';
import { createSharedClient, shareEnv } from './shared-tabs/shared-client.js';
import type { WsClient, WsClientOptions } from './types.js';

export function createWsClient(options: WsClientOptions = {}): WsClient {
  const env = options.share === false ? undefined : shareEnv();
  if (env === undefined) return createConnectionClient(options);
  // The same checks, and the same URL for every tab of the page: the lock and channel are named after it.
  return createSharedClient(options, resolveOptions(options).url, env);
}
