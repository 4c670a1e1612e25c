/**
 * The sandbox's records. Times are ms since the epoch; the API views in `views.ts` turn
 * them into ISO 8601 strings. `seq` orders records by creation and is never journaled,
 * because load order restores it.
 */

export interface PreviousSecret {
  secret: string;
  expires_at_ms: number;
}

export interface EndpointRecord {
  id: string;
  url: string;
  /** Event types, or `["*"]` for all of them. */
  events: string[];
  description: string;
  enabled: boolean;
  secret: string;
  previous_secrets: PreviousSecret[];
  created_at_ms: number;
  updated_at_ms: number;
  seq: number;
}

export interface EventRecord {
  id: string;
  type: string;
  created_at_ms: number;
  /** The exact bytes every delivery of the event carries. */
  body: Buffer;
  seq: number;
}

export interface AttemptRecord {
  id: string;
  number: number;
  started_at_ms: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_snippet: string;
}

export type DeliveryStatus = 'pending' | 'ok' | 'failed';

export interface DeliveryRecord {
  id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string | null;
  listen_session_id: string | null;
  url: string;
  status: DeliveryStatus;
  attempt_count: number;
  last_status_code: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  /** When the next attempt is due; null once the delivery is `ok` or `failed`. */
  next_attempt_at_ms: number | null;
  /** After this time the delivery is given up instead of retried. */
  deadline_at_ms: number;
  created_at_ms: number;
  updated_at_ms: number;
  attempts: AttemptRecord[];
  /** The creation order of the delivery's event, which the listen relay sends in. */
  event_seq: number;
  seq: number;
}

export interface ListenSessionRecord {
  id: string;
  events: string[];
  device_id: string;
  /** SHA-256 of the current token, hex; the token itself is never stored. */
  token_hash: string;
  token_expires_at_ms: number;
  created_at_ms: number;
  /** The last time a client was connected, for closing abandoned sessions. */
  last_seen_at_ms: number;
  seq: number;
}

/** True when an endpoint or session subscribed to `events` receives an event of `type`. */
export function matchesEventType(events: readonly string[], type: string): boolean {
  return events.includes('*') || events.includes(type);
}
