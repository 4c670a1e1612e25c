import { randomBytes } from 'node:crypto';
import { deliveryId } from '../events/ids.js';
import { signPayload } from '../signing/index.js';
import type { DeliveryRecord, EndpointRecord, EventRecord, ListenSessionRecord } from './model.js';
import { matchesEventType } from './model.js';
import { deliveryDeadlineMs } from './schedule.js';
import type { Store } from './store.js';

/** Returns the `url` of a delivery to a listen session, which has no URL of its own. */
export function listenDeliveryUrl(sessionId: string): string {
  return `listen:${sessionId}`;
}

// Attempt ids are a random prefix per process and a counter, because attempts are the most
// frequent record and a random read per id showed up in profiles.
const ATTEMPT_ID_PREFIX = randomBytes(6).toString('hex');
let attemptCounter = 0;

/** Creates an attempt id, unique across restarts: `att_`, 12 random hex characters, then a counter. */
export function attemptId(): string {
  attemptCounter += 1;
  return `att_${ATTEMPT_ID_PREFIX}${attemptCounter.toString(36).padStart(6, '0')}`;
}

function newDelivery(event: EventRecord, target: { endpoint?: EndpointRecord; session?: ListenSessionRecord }, nowMs: number, timeScale: number) {
  return {
    id: deliveryId(nowMs),
    event_id: event.id,
    event_type: event.type,
    endpoint_id: target.endpoint?.id ?? null,
    listen_session_id: target.session?.id ?? null,
    url: target.endpoint?.url ?? listenDeliveryUrl(target.session!.id),
    status: 'pending' as const,
    attempt_count: 0,
    last_status_code: null,
    last_error: null,
    last_duration_ms: null,
    next_attempt_at_ms: nowMs,
    deadline_at_ms: deliveryDeadlineMs(nowMs, timeScale),
    created_at_ms: nowMs,
    updated_at_ms: nowMs,
  };
}

/** Creates a pending delivery of an event to one endpoint, due now. */
export function createEndpointDelivery(store: Store, event: EventRecord, endpoint: EndpointRecord, timeScale: number): DeliveryRecord {
  return store.addDelivery(newDelivery(event, { endpoint }, Date.now(), timeScale));
}

/**
 * Creates the deliveries of a new event: one per enabled endpoint subscribed to its type
 * and one per listen session whose filter matches.
 */
export function fanOut(store: Store, event: EventRecord, timeScale: number): DeliveryRecord[] {
  const nowMs = Date.now();
  const created: DeliveryRecord[] = [];
  for (const endpoint of store.endpoints.values()) {
    if (endpoint.enabled && matchesEventType(endpoint.events, event.type)) {
      created.push(store.addDelivery(newDelivery(event, { endpoint }, nowMs, timeScale)));
    }
  }
  for (const session of store.sessions.values()) {
    if (matchesEventType(session.events, event.type)) created.push(store.addDelivery(newDelivery(event, { session }, nowMs, timeScale)));
  }
  return created;
}

/** Returns the secrets that sign a delivery to an endpoint now: the current one, then each unexpired previous one. */
export function signingSecrets(endpoint: EndpointRecord, nowMs: number): string[] {
  return [endpoint.secret, ...endpoint.previous_secrets.filter((previous) => previous.expires_at_ms > nowMs).map((previous) => previous.secret)];
}

/** Builds the contract headers of one attempt, freshly signed, with the names as they go on the wire. */
export function deliveryHeaders(event: EventRecord, delivery: DeliveryRecord, attempt: number, secrets: readonly string[]): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': '7stamp-Webhooks/1.0',
    'X-7stamp-Event': event.type,
    'X-7stamp-Event-Id': event.id,
    'X-7stamp-Delivery-Id': delivery.id,
    'X-7stamp-Attempt': String(attempt),
    'X-7stamp-Signature': signPayload(event.body, secrets),
  };
}
