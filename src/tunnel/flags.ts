import { usageError } from '../errors.js';
import type { EventType } from '../events/catalog.js';
import { parseDuration } from '../output/duration.js';
import type { OutputFormat } from './report.js';
import { parseEventList, parseEventName, parseForwardTarget, parseHeaderFlag, parseRoute, type Route } from './target.js';

/** The flags `listen` and `dev` share, as commander hands them over. */
export interface RawListenFlags {
  forward?: string;
  header?: string[];
  timeout?: string;
  concurrency?: string;
  events?: string;
  route?: string[];
  format?: string;
  printSecret?: boolean;
  record?: string;
  exitAfter?: string;
  waitFor?: string;
  maxDuration?: string;
}

/** The checked flags. */
export interface ListenFlags {
  forward: URL | undefined;
  routes: Route[];
  headers: Array<[string, string]>;
  timeoutMs: number;
  concurrency: number;
  events: EventType[] | undefined;
  format: OutputFormat | undefined;
  printSecret: boolean;
  recordPath: string | undefined;
  exitAfter: number | undefined;
  waitFor: EventType | undefined;
  maxDurationMs: number | undefined;
}

/** The maximum number of deliveries in flight at once. The relay itself sends at most 1,000 ahead. */
export const MAX_CONCURRENCY = 256;

/** Checks the listen flags; every invalid value is a usage error (exit 2) that names the flag. */
export function parseListenFlags(raw: RawListenFlags): ListenFlags {
  const printSecret = raw.printSecret === true;
  if (raw.forward === undefined && !printSecret) {
    throw usageError('--forward is missing', 'name the local app, for example --forward localhost:3000/webhooks', 'missing_forward');
  }
  const events = raw.events === undefined ? undefined : parseEventList(raw.events);
  const waitFor = raw.waitFor === undefined ? undefined : parseEventName(raw.waitFor, '--wait-for');
  if (waitFor !== undefined && events !== undefined && !events.includes(waitFor)) {
    throw usageError(`--wait-for ${waitFor} can never match, because --events does not include it`, `add it: --events ${[...events, waitFor].join(',')}`, 'invalid_wait_for');
  }
  const timeoutMs = raw.timeout === undefined ? 10_000 : parseDuration(raw.timeout, '--timeout');
  if (timeoutMs <= 0) throw usageError(`--timeout must be more than 0, not "${raw.timeout}"`, 'for example --timeout 10s', 'invalid_duration');
  const maxDurationMs = raw.maxDuration === undefined ? undefined : parseDuration(raw.maxDuration, '--max-duration');
  if (maxDurationMs !== undefined && maxDurationMs <= 0) throw usageError(`--max-duration must be more than 0, not "${raw.maxDuration}"`, 'for example --max-duration 60s', 'invalid_duration');

  return {
    forward: raw.forward === undefined ? undefined : parseForwardTarget(raw.forward),
    routes: (raw.route ?? []).map(parseRoute),
    headers: (raw.header ?? []).map(parseHeaderFlag),
    timeoutMs,
    concurrency: parseCount(raw.concurrency, '--concurrency', 1, MAX_CONCURRENCY) ?? 1,
    events,
    format: parseFormat(raw.format),
    printSecret,
    recordPath: raw.record,
    exitAfter: parseCount(raw.exitAfter, '--exit-after', 1, Number.MAX_SAFE_INTEGER),
    waitFor,
    maxDurationMs,
  };
}

/** Parses a whole number flag within [min, max]. */
export function parseCount(text: string | undefined, flagName: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw usageError(`${flagName} must be a whole number ${range}, not "${text}"`, `for example ${flagName} ${min === 1 && max > 16 ? 16 : min}`, 'invalid_number');
  }
  return value;
}

/** Checks a `--format` value. */
export function parseFormat(text: string | undefined): OutputFormat | undefined {
  if (text === undefined) return undefined;
  if (text === 'text' || text === 'json') return text;
  throw usageError(`--format must be text or json, not "${text}"`, 'json prints one object per line on stdout; text prints delivery lines', 'invalid_format');
}
