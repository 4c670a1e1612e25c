import { createApiClient } from '../api/client.js';
import type { ApiFlags } from '../api/options.js';
import type { Endpoint, EndpointSecrets, PingResult } from '../api/types.js';
import { withSpinner } from '../account/prompts.js';

/** Endpoint operations over the API, one function per subcommand of `stamp7 endpoints`. */

const ENDPOINTS_PATH = '/v1/webhook_endpoints';

function endpointPath(id: string, action?: string): string {
  const base = `${ENDPOINTS_PATH}/${encodeURIComponent(id)}`;
  return action ? `${base}/${action}` : base;
}

export async function listEndpoints(flags: ApiFlags, limit: number): Promise<Endpoint[]> {
  const api = await createApiClient(flags);
  return withSpinner('Fetching endpoints', async () => {
    const endpoints: Endpoint[] = [];
    for await (const endpoint of api.paginate<Endpoint>(ENDPOINTS_PATH, {}, limit)) endpoints.push(endpoint);
    return endpoints;
  });
}

export interface NewEndpoint {
  url: string;
  events: string[];
  description?: string | undefined;
}

/** Creates an endpoint. The response contains the full secret, which the API returns only this once. */
export async function addEndpoint(flags: ApiFlags, input: NewEndpoint): Promise<Endpoint> {
  const api = await createApiClient(flags);
  const body: Record<string, unknown> = { url: input.url, events: input.events };
  if (input.description !== undefined) body.description = input.description;
  return withSpinner('Creating the endpoint', () => api.post<Endpoint>(ENDPOINTS_PATH, body));
}

/** Fetches an endpoint, and its full secrets too when `revealSecret` is set. */
export async function showEndpoint(flags: ApiFlags, id: string, revealSecret: boolean): Promise<{ endpoint: Endpoint; secrets?: EndpointSecrets }> {
  const api = await createApiClient(flags);
  const endpoint = await api.get<Endpoint>(endpointPath(id));
  if (!revealSecret) return { endpoint };
  const secrets = await api.get<EndpointSecrets>(endpointPath(id, 'secret'));
  return { endpoint, secrets };
}

export interface EndpointChanges {
  url?: string;
  events?: string[];
  description?: string;
  enabled?: boolean;
}

export async function updateEndpoint(flags: ApiFlags, id: string, changes: EndpointChanges): Promise<Endpoint> {
  const api = await createApiClient(flags);
  return withSpinner('Updating the endpoint', () => api.patch<Endpoint>(endpointPath(id), changes));
}

export async function removeEndpoint(flags: ApiFlags, id: string): Promise<{ id: string; deleted: boolean }> {
  const api = await createApiClient(flags);
  return withSpinner('Removing the endpoint', () => api.delete<{ id: string; deleted: boolean }>(endpointPath(id)));
}

/** Rotates the secret; the old one keeps signing for `graceSeconds` (0 ends it now). */
export async function rotateSecret(flags: ApiFlags, id: string, graceSeconds: number | undefined): Promise<Endpoint> {
  const api = await createApiClient(flags);
  const body = graceSeconds === undefined ? {} : { grace_period_seconds: graceSeconds };
  return withSpinner('Rotating the secret', () => api.post<Endpoint>(endpointPath(id, 'rotate_secret'), body));
}

/** Sends a ping event to one endpoint; the API waits up to 15 s for the first attempt. */
export async function pingEndpoint(flags: ApiFlags, id: string): Promise<PingResult> {
  const api = await createApiClient(flags);
  return withSpinner('Sending a ping', () => api.post<PingResult>(endpointPath(id, 'ping'), {}));
}
