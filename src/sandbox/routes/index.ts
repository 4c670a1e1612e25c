import type { Route } from '../context.js';
import { accountRoutes } from './account.js';
import { deliveryRoutes } from './deliveries.js';
import { endpointRoutes } from './endpoints.js';
import { eventRoutes } from './events.js';
import { listenRoutes, testHookRoutes } from './listen.js';

/** Returns every route of the sandbox API, with the test hooks only when `testHooks` is true. */
export function sandboxRoutes(testHooks: boolean): Route[] {
  return [...accountRoutes, ...endpointRoutes, ...eventRoutes, ...deliveryRoutes, ...listenRoutes, ...(testHooks ? testHookRoutes : [])];
}
