import { maskSecret } from '../output/mask.js';
import type { AttemptRecord, DeliveryRecord, EndpointRecord, EventRecord } from './model.js';

/** Turns records into the JSON resources of docs/api.md. */

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function endpointView(endpoint: EndpointRecord): Record<string, unknown> {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    description: endpoint.description,
    enabled: endpoint.enabled,
    secret_hint: maskSecret(endpoint.secret),
    created_at: iso(endpoint.created_at_ms),
    updated_at: iso(endpoint.updated_at_ms),
  };
}

export function eventView(event: EventRecord): Record<string, unknown> {
  return { id: event.id, type: event.type, created_at: iso(event.created_at_ms), payload: JSON.parse(event.body.toString('utf8')) as unknown };
}

export function deliveryView(delivery: DeliveryRecord, withAttempts = false): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: delivery.id,
    event_id: delivery.event_id,
    event_type: delivery.event_type,
    endpoint_id: delivery.endpoint_id,
    listen_session_id: delivery.listen_session_id,
    url: delivery.url,
    status: delivery.status,
    attempt_count: delivery.attempt_count,
    last_status_code: delivery.last_status_code,
    last_error: delivery.last_error,
    last_duration_ms: delivery.last_duration_ms,
    next_attempt_at: delivery.next_attempt_at_ms === null ? null : iso(delivery.next_attempt_at_ms),
    created_at: iso(delivery.created_at_ms),
    updated_at: iso(delivery.updated_at_ms),
  };
  if (withAttempts) view.attempts = delivery.attempts.map(attemptView);
  return view;
}

export function attemptView(attempt: AttemptRecord): Record<string, unknown> {
  return {
    id: attempt.id,
    number: attempt.number,
    started_at: iso(attempt.started_at_ms),
    duration_ms: attempt.duration_ms,
    status_code: attempt.status_code,
    error: attempt.error,
    response_snippet: attempt.response_snippet,
  };
}
