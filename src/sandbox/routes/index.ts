import type { Route } from '../context.js';
import { accountRoutes } from './account.js';
import { deliveryRoutes } from './deliveries.js';
import { endpointRoutes } from './endpoints.js';
import { eventRoutes } from './events.js';
import { listenRoutes, testHookRoutes } from './listen.js';

/** Every route of the sandbox API; the test hooks only when asked for. */
export function sandboxRoutes(testHooks: boolean): Route[] {
  return [...accountRoutes, ...endpointRoutes, ...eventRoutes, ...deliveryRoutes, ...listenRoutes, ...(testHooks ? testHookRoutes : [])];
}
