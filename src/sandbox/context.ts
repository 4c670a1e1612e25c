import type { DeliveryEngine } from './engine.js';
import type { SandboxLog } from './log.js';
import type { ListenRelay } from './relay.js';
import type { Store } from './store.js';

/** Everything a route handler may use. */
export interface SandboxContext {
  store: Store;
  engine: DeliveryEngine;
  relay: ListenRelay;
  log: SandboxLog;
  apiKey: string;
  accountId: string;
  masterKey: string;
  timeScale: number;
  testHooks: boolean;
  version: string;
  /** The base URL clients reach the sandbox at, known once the server listens. */
  baseUrl: string;
}

/** One parsed API request, as a handler receives it. */
export interface RequestContext {
  sandbox: SandboxContext;
  /** The decoded path parameters, in order. */
  params: string[];
  query: URLSearchParams;
  /** The parsed JSON body; undefined when the request had none. */
  body: unknown;
}

export interface Reply {
  status: number;
  body: unknown;
}

export type Handler = (request: RequestContext) => Reply | Promise<Reply>;

export interface Route {
  pattern: RegExp;
  methods: Partial<Record<'GET' | 'POST' | 'PATCH' | 'DELETE', Handler>>;
  /** False only for the health check. */
  auth?: boolean;
}

export function ok(body: unknown, status = 200): Reply {
  return { status, body };
}
