import { createRequire } from 'node:module';
import type { ChalkInstance } from 'chalk';

/** The facts of one attempt, as `trigger`, `listen`, `replay` and the sandbox log print it. */
export interface DeliveryLineFields {
  time: Date;
  eventType: string;
  eventId: string;
  method: string;
  url: string;
  statusCode: number | null;
  durationMs: number;
  /** Plain-words failure when no valid answer came, or for a redirect. */
  error?: string | undefined;
  /** The CLI's own verdict on the delivery's signature, when it checked one. */
  signature?: { ok: boolean; text: string } | undefined;
  /** How long the event took from creation to reaching the CLI, in ms. */
  transitMs?: number | undefined;
  attempt?: number | undefined;
  /** A short flag such as "slow: 8.4 s of the 10 s budget". */
  flag?: string | undefined;
}

const SLOW_MS = 8_000;

// node:http is loaded only for its reason phrases, when the first line is printed, so
// commands that never print a delivery line do not pay for loading it.
const require = createRequire(import.meta.url);
let statusCodes: Record<number, string | undefined> | undefined;

/** Returns the reason phrase of a status, such as `Not Found`, or an empty string. */
export function reasonPhrase(statusCode: number): string {
  statusCodes ??= (require('node:http') as typeof import('node:http')).STATUS_CODES;
  return statusCodes[statusCode] ?? '';
}

/**
 * Formats one delivery line: time, event type, event id, method and URL, status, duration,
 * signature verdict. Colour comes from the caller, so the same line serves stdout and logs.
 */
export function formatDeliveryLine(fields: DeliveryLineFields, color: ChalkInstance): string {
  const time = fields.time.toISOString().slice(11, 19);
  const parts = [color.dim(time), color.bold(fields.eventType.padEnd(18)), color.dim(fields.eventId)];
  if (fields.attempt !== undefined && fields.attempt > 1) parts.push(color.dim(`attempt ${fields.attempt}`));
  parts.push(`${fields.method} ${fields.url}`);
  parts.push(formatStatus(fields, color));
  parts.push(formatDuration(fields.durationMs, color));
  if (fields.signature) parts.push(fields.signature.ok ? color.green(`sig ${fields.signature.text}`) : color.red(`sig ${fields.signature.text}`));
  if (fields.transitMs !== undefined) parts.push(color.dim(`(+${Math.round(fields.transitMs)} ms in transit)`));
  if (fields.flag) parts.push(color.yellow(fields.flag));
  return parts.join('  ');
}

function formatStatus(fields: DeliveryLineFields, color: ChalkInstance): string {
  if (fields.statusCode === null) return color.red(`failed: ${fields.error ?? 'no answer'}`);
  const text = `${fields.statusCode} ${reasonPhrase(fields.statusCode)}`.trim();
  if (fields.statusCode >= 200 && fields.statusCode < 300) return color.green(text);
  const detail = fields.error ? ` (${fields.error})` : '';
  return fields.statusCode >= 300 && fields.statusCode < 400 ? color.yellow(`${text}${detail}`) : color.red(`${text}${detail}`);
}

/** Formats a duration in ms as `12 ms` or `8.4 s`, yellow from 8 s and red past the 10 s budget. */
export function formatDuration(durationMs: number, color: ChalkInstance): string {
  const text = durationMs < 1000 ? `${Math.round(durationMs)} ms` : `${(durationMs / 1000).toFixed(1)} s`;
  if (durationMs > 10_000) return color.red(text);
  if (durationMs > SLOW_MS) return color.yellow(text);
  return text;
}
