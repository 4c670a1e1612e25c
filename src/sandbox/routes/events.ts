import { buildEvent } from '../../events/build.js';
import { EVENT_TYPES, resolveEventType, type EventType } from '../../events/catalog.js';
import { eventId } from '../../events/ids.js';
import { isCliError } from '../../errors.js';
import { ok, type RequestContext, type Route } from '../context.js';
import { createEndpointDelivery, fanOut } from '../deliveries.js';
import { matchesEventType, type DeliveryRecord, type EventRecord } from '../model.js';
import { pageAnswer, readPage } from '../pagination.js';
import { deliveryView, eventView } from '../views.js';
import { ApiError, checkQuery, invalid, notFound, objectBody, optionalBoolean, typeName } from '../validate.js';
import { armAfterFlush } from './ping.js';

function eventTypeField(value: unknown, field: string): EventType {
  if (typeof value !== 'string') throw invalid(field, `"${field}" must be an event type name, not ${typeName(value)}`);
  const type = resolveEventType(value);
  if (type === undefined) throw invalid(field, `unknown event type "${value.slice(0, 60)}"; known types: ${EVENT_TYPES.join(', ')}`);
  return type;
}

/** Reads a time filter, ISO 8601 or Unix seconds, as ms since the epoch. */
function timeFilter(query: URLSearchParams, field: string): number | undefined {
  const text = query.get(field);
  if (text === null) return undefined;
  if (/^\d{1,12}$/.test(text)) return Number(text) * 1000;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(field, `"${field}" must be an ISO 8601 time or Unix seconds, not "${text.slice(0, 40)}"`);
  return ms;
}

function list(request: RequestContext) {
  const query = request.query;
  checkQuery(query, ['limit', 'cursor', 'type', 'since', 'until']);
  const { limit, beforeSeq } = readPage(query);
  const typeText = query.get('type');
  const type = typeText === null ? undefined : eventTypeField(typeText, 'type');
  const sinceMs = timeFilter(query, 'since') ?? Number.NEGATIVE_INFINITY;
  const untilMs = timeFilter(query, 'until') ?? Number.POSITIVE_INFINITY;
  const page = request.sandbox.store.eventList.page(limit, beforeSeq, (event) =>
    (type === undefined || event.type === type) && event.created_at_ms >= sinceMs && event.created_at_ms <= untilMs,
  );
  return ok(pageAnswer(page, eventView));
}

function findEvent(request: RequestContext): EventRecord {
  const id = request.params[0]!;
  const event = request.sandbox.store.events.get(id);
  if (event === undefined) throw notFound('event', id);
  return event;
}

function get(request: RequestContext) {
  checkQuery(request.query, []);
  return ok(eventView(findEvent(request)));
}

/** Builds the body of a test event from the type's sample, or takes `payload` whole. */
function buildBody(body: Record<string, unknown>, type: EventType): { id: string; bytes: Buffer } {
  if (body.payload !== undefined) {
    for (const other of ['set', 'unset', 'add_missing']) {
      if (body[other] !== undefined) throw invalid('payload', `"payload" replaces the whole body, so it cannot be combined with "${other}"`);
    }
    const payload = body.payload;
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw invalid('payload', `"payload" must be a JSON object, not ${typeName(payload)}`);
    const record = payload as Record<string, unknown>;
    if (record.event !== type) throw invalid('payload', `"payload.event" must be "${type}", the value of "type"`);
    // The event id is always new, so ids stay unique; it leads the body as in every sample.
    const id = eventId();
    const { id: _ignored, ...rest } = record;
    return { id, bytes: Buffer.from(JSON.stringify({ id, ...rest }), 'utf8') };
  }

  const set = readSet(body.set);
  const unset = readUnset(body.unset);
  const addMissing = optionalBoolean(body, 'add_missing') ?? false;
  try {
    const built = buildEvent(type, { set, unset, addMissing });
    return { id: String(built.event.id), bytes: built.body };
  } catch (error) {
    if (!isCliError(error)) throw error;
    const field = unset.length > 0 && error.message.startsWith('cannot unset') ? 'unset' : 'set';
    throw invalid(field, error.hint === undefined ? error.message : `${error.message} (${error.hint})`);
  }
}

function readSet(value: unknown): Array<[string, unknown]> {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('set', `"set" must be an object of dotted path to value, not ${typeName(value)}`);
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [path] of entries) {
    if (path === '' || path.split('.').some((segment) => segment === '')) throw invalid('set', `the path "${path}" in "set" has an empty segment`);
  }
  return entries;
}

function readUnset(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((path) => typeof path !== 'string' || path === '')) throw invalid('unset', '"unset" must be a list of dotted paths');
  return value as string[];
}

async function create(request: RequestContext) {
  checkQuery(request.query, []);
  const body = objectBody(request.body, ['type', 'set', 'unset', 'payload', 'add_missing']);
  if (body.type === undefined) throw invalid('type', '"type" is required');
  const type = eventTypeField(body.type, 'type');
  const built = buildBody(body, type);

  const { sandbox } = request;
  const event = sandbox.store.addEvent({ id: built.id, type, created_at_ms: Date.now(), body: built.bytes });
  const deliveries = fanOut(sandbox.store, event, sandbox.timeScale);
  await armAfterFlush(sandbox, deliveries);
  return ok({ ...eventView(event), deliveries: deliveries.map((delivery) => deliveryView(delivery)) }, 201);
}

async function resend(request: RequestContext) {
  checkQuery(request.query, []);
  const event = findEvent(request);
  const body = objectBody(request.body, ['endpoint_id']);
  const { sandbox } = request;
  const deliveries: DeliveryRecord[] = [];

  if (body.endpoint_id !== undefined) {
    if (typeof body.endpoint_id !== 'string') throw invalid('endpoint_id', `"endpoint_id" must be a string, not ${typeName(body.endpoint_id)}`);
    const endpoint = sandbox.store.endpoints.get(body.endpoint_id);
    if (endpoint === undefined) throw notFound('webhook endpoint', body.endpoint_id);
    if (!endpoint.enabled) throw new ApiError(409, 'conflict', `the endpoint ${endpoint.id} is disabled; enable it before resending`);
    deliveries.push(createEndpointDelivery(sandbox.store, event, endpoint, sandbox.timeScale));
  } else {
    for (const endpoint of sandbox.store.endpoints.values()) {
      if (endpoint.enabled && matchesEventType(endpoint.events, event.type)) deliveries.push(createEndpointDelivery(sandbox.store, event, endpoint, sandbox.timeScale));
    }
  }
  await armAfterFlush(sandbox, deliveries);
  return ok({ deliveries: deliveries.map((delivery) => deliveryView(delivery)) });
}

export const eventRoutes: Route[] = [
  { pattern: /^\/v1\/events$/, methods: { GET: list, POST: create } },
  { pattern: /^\/v1\/events\/([^/]+)$/, methods: { GET: get } },
  { pattern: /^\/v1\/events\/([^/]+)\/resend$/, methods: { POST: resend } },
];
