/** Resources of the platform's REST API, with the fields docs/api.md defines. */

export interface Account {
  id: string;
  name: string;
  business_id: string;
  /** `sandbox` for the local emulator, `live` for the platform. */
  mode: 'sandbox' | 'live' | string;
}

export interface Endpoint {
  id: string;
  url: string;
  /** Event types, or `["*"]` for all of them. */
  events: string[];
  description: string | null;
  enabled: boolean;
  /** The masked secret, such as `whsec_****abcd`. */
  secret_hint: string;
  created_at: string;
  updated_at: string;
  /** The full secret, present only in the responses to create and rotate_secret. */
  secret?: string;
  /** The time the previous secret stops signing, present only in the response to rotate_secret. */
  previous_secret_expires_at?: string | null;
}

export interface EndpointSecrets {
  secret: string;
  previous_secrets: Array<{ secret: string; expires_at: string }>;
}

export interface PlatformEvent {
  id: string;
  type: string;
  created_at: string;
  /** The body that deliveries carry, parsed. */
  payload: Record<string, unknown>;
}

export interface Attempt {
  id: string;
  number: number;
  started_at: string;
  duration_ms: number | null;
  status_code: number | null;
  error: string | null;
  response_snippet: string | null;
}

export interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string | null;
  listen_session_id: string | null;
  url: string | null;
  status: 'pending' | 'ok' | 'failed';
  attempt_count: number;
  last_status_code: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
  /** The attempts, present only in the response to `GET /v1/deliveries/{id}`. */
  attempts?: Attempt[];
}

export interface PingResult {
  event: PlatformEvent;
  delivery: Delivery;
}
