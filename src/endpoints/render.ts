import type { ChalkInstance } from 'chalk';
import type { Endpoint, EndpointSecrets, PingResult } from '../api/types.js';
import { formatDeliveryLine } from '../output/delivery-line.js';
import { formatFields, formatTable, type Column } from '../output/table.js';
import { describeEvents } from './event-filter.js';

/** Text forms of endpoints for the terminal; `--json` prints the API objects instead. */

export function formatEndpointTable(endpoints: Endpoint[], color: ChalkInstance): string {
  if (endpoints.length === 0) return 'No endpoints yet. Add one with stamp7 endpoints add URL --events TYPES';
  const columns: Array<Column<Endpoint>> = [
    { header: 'ID', value: (row) => row.id },
    { header: 'STATUS', value: (row) => (row.enabled ? 'enabled' : 'disabled'), style: (text, row) => (row.enabled ? color.green(text) : color.yellow(text)) },
    { header: 'URL', value: (row) => row.url },
    { header: 'EVENTS', value: (row) => describeEvents(row.events) },
    { header: 'SECRET', value: (row) => row.secret_hint },
    { header: 'CREATED', value: (row) => shortTime(row.created_at) },
  ];
  return formatTable(columns, endpoints, color);
}

/**
 * Formats one endpoint's fields. `secret` is the full secret, passed only on creation,
 * rotation or --reveal-secret; otherwise the masked hint is shown.
 */
export function formatEndpoint(endpoint: Endpoint, color: ChalkInstance, secrets?: EndpointSecrets): string {
  const fields: Array<[string, string]> = [
    ['id', endpoint.id],
    ['url', endpoint.url],
    ['status', endpoint.enabled ? color.green('enabled') : color.yellow('disabled')],
    ['events', describeEvents(endpoint.events)],
    ['description', endpoint.description ?? ''],
  ];
  const fullSecret = secrets?.secret ?? endpoint.secret;
  fields.push(['secret', fullSecret ?? endpoint.secret_hint]);
  for (const previous of secrets?.previous_secrets ?? []) {
    fields.push(['previous secret', `${previous.secret} (signs until ${previous.expires_at})`]);
  }
  if (endpoint.previous_secret_expires_at) fields.push(['old secret until', endpoint.previous_secret_expires_at]);
  fields.push(['created', endpoint.created_at], ['updated', endpoint.updated_at]);
  return formatFields(fields, color);
}

/** Formats the ping's delivery with the shared delivery line. */
export function formatPingResult(result: PingResult, color: ChalkInstance): string {
  const { delivery, event } = result;
  if (delivery.attempt_count === 0) {
    return `${event.type} ${event.id} to ${delivery.url ?? delivery.endpoint_id}: no attempt yet (status ${delivery.status}); check later with stamp7 deliveries list --event ${event.id}`;
  }
  return formatDeliveryLine(
    {
      time: new Date(delivery.updated_at),
      eventType: event.type,
      eventId: event.id,
      method: 'POST',
      url: delivery.url ?? delivery.endpoint_id ?? '',
      statusCode: delivery.last_status_code,
      durationMs: delivery.last_duration_ms ?? 0,
      error: delivery.last_error ?? undefined,
      attempt: delivery.attempt_count,
    },
    color,
  );
}

/** Formats an ISO time as `2026-05-11 12:34:56` for tables. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}
