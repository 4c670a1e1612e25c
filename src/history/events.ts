import { createApiClient } from '../api/client.js';
import type { ApiFlags } from '../api/options.js';
import type { Delivery, PlatformEvent } from '../api/types.js';
import { withSpinner } from '../account/prompts.js';
import { resolveEventType, suggestEventType } from '../events/catalog.js';
import { usageError } from '../errors.js';
import { parseDuration } from '../output/duration.js';

/** The account's events over the API: list, show and resend. */

/** How far back --since may reach as a duration: 100 years, well inside the range of a Date. */
const MAX_SINCE_MS = 100 * 365 * 24 * 3_600_000;

export interface EventQuery {
  type?: string | undefined;
  /** An ISO 8601 time, or the start of the window. */
  since?: string | undefined;
  limit: number;
}

export async function listEvents(flags: ApiFlags, query: EventQuery): Promise<PlatformEvent[]> {
  const api = await createApiClient(flags);
  return withSpinner('Fetching events', async () => {
    const events: PlatformEvent[] = [];
    for await (const event of api.paginate<PlatformEvent>('/v1/events', { type: query.type, since: query.since }, query.limit)) events.push(event);
    return events;
  });
}

export async function getEvent(flags: ApiFlags, id: string): Promise<PlatformEvent> {
  const api = await createApiClient(flags);
  return api.get<PlatformEvent>(`/v1/events/${encodeURIComponent(id)}`);
}

/** Sends an event again, to one endpoint or to every endpoint subscribed to its type. */
export async function resendEvent(flags: ApiFlags, id: string, endpointId: string | undefined): Promise<Delivery[]> {
  const api = await createApiClient(flags);
  const body = endpointId === undefined ? {} : { endpoint_id: endpointId };
  const response = await withSpinner('Resending the event', () => api.post<{ deliveries: Delivery[] }>(`/v1/events/${encodeURIComponent(id)}/resend`, body));
  return response.deliveries;
}

/** Resolves `--type`, accepting aliases and suggesting the closest name for a typo. */
export function parseTypeOption(text: string): string {
  const type = resolveEventType(text);
  if (type !== undefined) return type;
  const suggestion = suggestEventType(text);
  throw usageError(`unknown event type "${text}" in --type`, suggestion ? `did you mean ${suggestion}?` : 'run stamp7 trigger --list to see every type', 'unknown_event_type');
}

/**
 * Turns `--since` into the ISO time the API filters on. It takes a duration back from now
 * (`2h`, `30m`) or an ISO 8601 time (`2026-05-11T12:00:00Z`).
 */
export function parseSinceOption(text: string, nowMs = Date.now()): string {
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw usageError(`invalid --since "${text}": not a valid ISO 8601 time`, 'pass a duration such as 2h, or a time such as 2026-05-11T12:00:00Z', 'invalid_since');
    return new Date(ms).toISOString();
  }
  return new Date(nowMs - parseDuration(text, '--since', MAX_SINCE_MS)).toISOString();
}
