import { randomBytes } from 'node:crypto';
import { prefixedId } from '../../events/ids.js';
import { ok, type RequestContext, type Route } from '../context.js';
import type { EndpointRecord } from '../model.js';
import { pageAnswer, readPage } from '../pagination.js';
import { endpointView } from '../views.js';
import { ApiError, checkQuery, endpointUrl, eventTypeList, invalid, notFound, objectBody, optionalBoolean, optionalInteger, optionalString } from '../validate.js';
import { pingEndpoint } from './ping.js';

/** The default grace period of a rotated secret, in seconds of wall-clock time. */
export const DEFAULT_GRACE_PERIOD_SECONDS = 86_400;
const MAX_GRACE_PERIOD_SECONDS = 7 * 86_400;
const MAX_DESCRIPTION_LENGTH = 500;

/** Creates an endpoint secret: `whsec_` and 32 random characters. */
export function newEndpointSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

function findEndpoint(request: RequestContext): EndpointRecord {
  const id = request.params[0]!;
  const endpoint = request.sandbox.store.endpoints.get(id);
  if (endpoint === undefined) throw notFound('webhook endpoint', id);
  return endpoint;
}

function noQuery(request: RequestContext): void {
  checkQuery(request.query, []);
}

function create(request: RequestContext) {
  noQuery(request);
  const body = objectBody(request.body, ['url', 'events', 'description']);
  if (request.body === undefined || body.url === undefined) throw invalid('url', '"url" is required');
  const url = endpointUrl(body.url);
  const events = body.events === undefined ? ['*'] : eventTypeList(body.events, 'events', { allowPing: true });
  const description = optionalString(body, 'description', MAX_DESCRIPTION_LENGTH) ?? '';

  const nowMs = Date.now();
  const endpoint = request.sandbox.store.putEndpoint({
    id: prefixedId('we'),
    url,
    events,
    description,
    enabled: true,
    secret: newEndpointSecret(),
    previous_secrets: [],
    created_at_ms: nowMs,
    updated_at_ms: nowMs,
  });
  request.sandbox.log.info(`endpoint ${endpoint.id} created for ${endpoint.url}`);
  return ok({ ...endpointView(endpoint), secret: endpoint.secret }, 201);
}

function list(request: RequestContext) {
  checkQuery(request.query, ['limit', 'cursor']);
  const { limit, beforeSeq } = readPage(request.query);
  const sorted = [...request.sandbox.store.endpoints.values()].filter((endpoint) => endpoint.seq < beforeSeq).sort((a, b) => b.seq - a.seq);
  return ok(pageAnswer({ items: sorted.slice(0, limit), hasMore: sorted.length > limit }, endpointView));
}

function get(request: RequestContext) {
  noQuery(request);
  return ok(endpointView(findEndpoint(request)));
}

function update(request: RequestContext) {
  noQuery(request);
  const endpoint = findEndpoint(request);
  const body = objectBody(request.body, ['url', 'events', 'description', 'enabled']);
  const next: EndpointRecord = { ...endpoint, updated_at_ms: Date.now() };
  if (body.url !== undefined) next.url = endpointUrl(body.url);
  if (body.events !== undefined) next.events = eventTypeList(body.events, 'events', { allowPing: true });
  const description = optionalString(body, 'description', MAX_DESCRIPTION_LENGTH);
  if (description !== undefined) next.description = description;
  const enabled = optionalBoolean(body, 'enabled');
  if (enabled !== undefined) next.enabled = enabled;

  const saved = request.sandbox.store.putEndpoint(next);
  if (endpoint.enabled && !saved.enabled) giveUpPending(request, saved.id, 'the endpoint was disabled');
  return ok(endpointView(saved));
}

function remove(request: RequestContext) {
  noQuery(request);
  const endpoint = findEndpoint(request);
  request.sandbox.store.deleteEndpoint(endpoint.id);
  giveUpPending(request, endpoint.id, 'the endpoint was deleted');
  request.sandbox.log.info(`endpoint ${endpoint.id} deleted`);
  return ok({ id: endpoint.id, deleted: true });
}

// Pending deliveries of a disabled or deleted endpoint are settled as failed at once, so none waits forever.
function giveUpPending(request: RequestContext, endpointId: string, reason: string): void {
  for (const delivery of request.sandbox.store.deliveries.values()) {
    if (delivery.endpoint_id === endpointId && delivery.status === 'pending') request.sandbox.engine.giveUp(delivery, reason);
  }
}

function secret(request: RequestContext) {
  noQuery(request);
  const endpoint = findEndpoint(request);
  const nowMs = Date.now();
  return ok({
    secret: endpoint.secret,
    previous_secrets: endpoint.previous_secrets
      .filter((previous) => previous.expires_at_ms > nowMs)
      .map((previous) => ({ secret: previous.secret, expires_at: new Date(previous.expires_at_ms).toISOString() })),
  });
}

function rotate(request: RequestContext) {
  noQuery(request);
  const endpoint = findEndpoint(request);
  const body = objectBody(request.body, ['grace_period_seconds']);
  const graceSeconds = optionalInteger(body, 'grace_period_seconds', 0, MAX_GRACE_PERIOD_SECONDS) ?? DEFAULT_GRACE_PERIOD_SECONDS;

  const nowMs = Date.now();
  const expiresAtMs = nowMs + graceSeconds * 1000;
  const stillValid = endpoint.previous_secrets.filter((previous) => previous.expires_at_ms > nowMs);
  const previous = graceSeconds > 0 ? [{ secret: endpoint.secret, expires_at_ms: expiresAtMs }, ...stillValid] : stillValid;
  const saved = request.sandbox.store.putEndpoint({ ...endpoint, secret: newEndpointSecret(), previous_secrets: previous, updated_at_ms: nowMs });
  request.sandbox.log.info(`endpoint ${saved.id}: secret rotated, the old one signs for ${graceSeconds} s more`);
  return ok({
    ...endpointView(saved),
    secret: saved.secret,
    previous_secret_expires_at: graceSeconds > 0 ? new Date(expiresAtMs).toISOString() : null,
  });
}

async function ping(request: RequestContext) {
  noQuery(request);
  const endpoint = findEndpoint(request);
  objectBody(request.body, []);
  if (!endpoint.enabled) throw new ApiError(409, 'conflict', `the endpoint ${endpoint.id} is disabled; enable it before pinging`);
  return ok(await pingEndpoint(request.sandbox, endpoint));
}

export const endpointRoutes: Route[] = [
  { pattern: /^\/v1\/webhook_endpoints$/, methods: { GET: list, POST: create } },
  { pattern: /^\/v1\/webhook_endpoints\/([^/]+)$/, methods: { GET: get, PATCH: update, DELETE: remove } },
  { pattern: /^\/v1\/webhook_endpoints\/([^/]+)\/secret$/, methods: { GET: secret } },
  { pattern: /^\/v1\/webhook_endpoints\/([^/]+)\/rotate_secret$/, methods: { POST: rotate } },
  { pattern: /^\/v1\/webhook_endpoints\/([^/]+)\/ping$/, methods: { POST: ping } },
];
