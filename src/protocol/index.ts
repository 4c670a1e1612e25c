/**
 * Messages of the listen relay, shared by the sandbox (which sends deliveries) and the
 * tunnel (which forwards them). Every frame is one JSON text message with a `type`.
 * Unknown types must be ignored by both sides, so either can add messages later.
 * docs/api.md describes the protocol for people.
 */
export const PROTOCOL_VERSION = 1;

/** WebSocket close codes used by the relay. 1000 means a clean stop; anything else reconnects. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  /** The listen token is missing, invalid or expired: fetch a new one, then reconnect. */
  unauthorized: 4001,
  /** The listen session does not exist (deleted or expired): open a new session. */
  sessionNotFound: 4004,
  /** Another connection took over the same session. */
  replaced: 4009,
} as const;

/** Sent once right after the connection opens. */
export interface ReadyMessage {
  type: 'ready';
  protocol: number;
  session_id: string;
  /** True when this connection resumes a session that had an earlier connection. */
  resumed: boolean;
  /** How many deliveries the relay replays now: unanswered ones and those that matched while no client was connected. */
  replay_count: number;
}

/** One delivery of an event to the listen session; the client replies with an OutcomeMessage. */
export interface DeliveryMessage {
  type: 'delivery';
  delivery_id: string;
  event_id: string;
  event_type: string;
  /** 1 for the first attempt; higher when the relay retries after a failed outcome. */
  attempt: number;
  /** True when the delivery was sent on an earlier connection or matched while none was open. */
  replay: boolean;
  /** When the event was created, in ms since the epoch. */
  created_at_ms: number;
  /** When the relay sent this frame, in ms since the epoch. */
  sent_at_ms: number;
  /** The delivery's HTTP headers, lower-case names, signed with the session secret. */
  headers: Record<string, string>;
  /** The exact body bytes, base64-encoded so no JSON round trip can alter them. */
  body_base64: string;
}

/** The client's report of the local app's response to one delivery. */
export interface OutcomeMessage {
  type: 'outcome';
  delivery_id: string;
  /** HTTP status of the local app, or null when no response came (refused, timeout, reset). */
  status_code: number | null;
  duration_ms: number;
  /** A short error code and text when no valid response came, such as `ECONNREFUSED: …`. */
  error: string | null;
  /** The first bytes of the response body as text, at most RESPONSE_SNIPPET_BYTES. */
  response_snippet: string;
}

/** Sent by the relay when it closes the socket because of an error, just before the close frame. */
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
}

export type RelayMessage = ReadyMessage | DeliveryMessage | ErrorMessage;
export type ClientMessage = OutcomeMessage;

/** Maximum response body bytes kept in an outcome and in recorded attempts. */
export const RESPONSE_SNIPPET_BYTES = 2048;

/** The HTTP header that carries the listen token when the WebSocket opens. */
export const LISTEN_TOKEN_HEADER = 'authorization';

/** Parses a frame; returns undefined for anything that is not a JSON object with a string `type`. */
export function parseMessage(data: string): { type: string; [key: string]: unknown } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  return typeof record.type === 'string' ? (record as { type: string }) : undefined;
}
