import { Chalk, type ChalkInstance } from 'chalk';
import type { Attempt, Delivery, PlatformEvent } from '../api/types.js';
import { shortTime } from '../endpoints/render.js';
import { formatDuration } from '../output/delivery-line.js';
import { formatFields, formatTable, type Column } from '../output/table.js';

/** Text forms of events and deliveries for the terminal; `--json` prints the API objects. */

// Table cells are measured before colouring, so durations in tables are formatted plain.
const noColor = new Chalk({ level: 0 });

export function formatEventTable(events: PlatformEvent[], color: ChalkInstance): string {
  if (events.length === 0) return 'No events match. Create a test event with stamp7 trigger EVENT';
  const columns: Array<Column<PlatformEvent>> = [
    { header: 'ID', value: (row) => row.id },
    { header: 'TYPE', value: (row) => row.type, style: (text) => color.bold(text) },
    { header: 'CREATED', value: (row) => shortTime(row.created_at) },
  ];
  return formatTable(columns, events, color);
}

/** Formats an event's body: indented on a TTY, one line otherwise so it pipes into jq. */
export function formatEventBody(event: PlatformEvent, pretty: boolean): string {
  return pretty ? JSON.stringify(event.payload, null, 2) : JSON.stringify(event.payload);
}

export function formatDeliveryTable(deliveries: Delivery[], color: ChalkInstance, nowMs = Date.now()): string {
  if (deliveries.length === 0) return 'No deliveries match.';
  const columns: Array<Column<Delivery>> = [
    { header: 'ID', value: (row) => row.id },
    { header: 'EVENT', value: (row) => `${row.event_type} ${row.event_id}` },
    { header: 'TO', value: (row) => row.endpoint_id ?? row.listen_session_id ?? '-' },
    { header: 'STATUS', value: (row) => row.status, style: (text, row) => statusColor(row.status, color)(text) },
    { header: 'ATTEMPTS', value: (row) => String(row.attempt_count) },
    { header: 'LAST', value: (row) => lastResult(row) },
    { header: 'DURATION', value: (row) => (row.last_duration_ms === null ? '-' : formatDuration(row.last_duration_ms, noColor)) },
    { header: 'NEXT RETRY', value: (row) => nextRetry(row, nowMs) },
  ];
  return formatTable(columns, deliveries, color);
}

/** Formats one delivery with each of its attempts. */
export function formatDelivery(delivery: Delivery, color: ChalkInstance, nowMs = Date.now()): string {
  const fields: Array<[string, string]> = [
    ['id', delivery.id],
    ['event', `${delivery.event_type} ${delivery.event_id}`],
    ['to', delivery.endpoint_id ? `endpoint ${delivery.endpoint_id}` : `listen session ${delivery.listen_session_id ?? '-'}`],
    ['url', delivery.url ?? '-'],
    ['status', statusColor(delivery.status, color)(delivery.status)],
    ['attempts', String(delivery.attempt_count)],
    ['next retry', nextRetry(delivery, nowMs)],
    ['created', delivery.created_at],
  ];
  const lines = [formatFields(fields, color)];
  for (const attempt of delivery.attempts ?? []) lines.push(formatAttempt(attempt, color));
  return lines.join('\n');
}

function formatAttempt(attempt: Attempt, color: ChalkInstance): string {
  const result = attempt.status_code === null ? color.red(attempt.error ?? 'no response') : attemptStatus(attempt.status_code, color);
  const duration = attempt.duration_ms === null ? '-' : formatDuration(attempt.duration_ms, color);
  const snippet = attempt.response_snippet ? `  ${color.dim(oneLine(attempt.response_snippet, 80))}` : '';
  return `  #${attempt.number}  ${shortTime(attempt.started_at)}  ${result}  ${duration}${snippet}`;
}

function attemptStatus(code: number, color: ChalkInstance): string {
  return code >= 200 && code < 300 ? color.green(String(code)) : color.red(String(code));
}

function lastResult(delivery: Delivery): string {
  if (delivery.attempt_count === 0) return '-';
  if (delivery.last_status_code !== null) return String(delivery.last_status_code);
  return oneLine(delivery.last_error ?? 'no response', 40);
}

/** Says when the next retry is due, relative to now, or `-` when none is scheduled. */
export function nextRetry(delivery: Pick<Delivery, 'status' | 'next_attempt_at'>, nowMs: number): string {
  if (delivery.status !== 'pending' || !delivery.next_attempt_at) return '-';
  const waitMs = Date.parse(delivery.next_attempt_at) - nowMs;
  if (Number.isNaN(waitMs)) return delivery.next_attempt_at;
  if (waitMs <= 0) return 'due now';
  return `in ${formatWait(waitMs)}`;
}

function formatWait(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

function statusColor(status: string, color: ChalkInstance): (text: string) => string {
  if (status === 'ok') return color.green;
  if (status === 'failed') return color.red;
  return color.yellow;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
