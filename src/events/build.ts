import { readFileSync } from 'node:fs';
import { CliError, ExitCode } from '../errors.js';
import type { EventType } from './catalog.js';
import { eventId, prefixedId } from './ids.js';
import { hasPath, nearestPaths, setPath, unsetPath, type JsonObject } from './paths.js';

export interface BuildEventOptions {
  /** Values to set, applied in order before `unset`; paths are dotted (`voucher.redeem_code_formats.0`). */
  set?: Array<[path: string, value: unknown]>;
  /** Paths to remove, applied after `set`. */
  unset?: string[];
  /** Allow `set` to create paths the sample lacks; without it such a path is an error. */
  addMissing?: boolean;
  /** The event time; defaults to now. */
  now?: Date;
}

export interface BuiltEvent {
  event: Record<string, unknown>;
  /** The compact JSON of `event`, the exact bytes to sign and send. */
  body: Buffer;
}

/** Raised for a `set` or `unset` path that the event does not have; `nearest` lists existing paths close to it. */
export class EventPathError extends CliError {
  readonly path: string;
  readonly nearest: string[];

  constructor(message: string, path: string, nearest: string[], hint: string) {
    super(message, { hint, exitCode: ExitCode.usage, code: 'unknown_path' });
    this.name = 'EventPathError';
    this.path = path;
    this.nearest = nearest;
  }
}

// Ids under these keys (and every `id` key) name things that a real event would create or
// refer to per customer, so each build gets new ones. Business, location, template, staff
// and endpoint ids stay as in the sample, because they describe the account itself.
const FRESH_ID_KEYS = new Set(['id', 'wallet_pass_id', 'reward_id', 'voucher_id', 'card_id', 'customer_id']);
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const samples = new Map<EventType, JsonObject>();

/** Loads the sample body of an event type from `fixtures/<type>.json`, once per process. */
export function loadSample(type: EventType): JsonObject {
  let sample = samples.get(type);
  if (sample === undefined) {
    // Both src/events and dist/events sit two levels below the package root.
    const url = new URL(`../../fixtures/${type}.json`, import.meta.url);
    sample = JSON.parse(readFileSync(url, 'utf8')) as JsonObject;
    samples.set(type, sample);
  }
  return sample;
}

/**
 * Builds a fresh event of a type: the sample with new ids, the current time (other times in
 * the sample keep their distance to it), then `set` and `unset` applied. Throws a CliError
 * (exit code 2) for a path the event lacks, unless `addMissing` allows `set` to create it.
 */
export function buildEvent(type: EventType, options: BuildEventOptions = {}): BuiltEvent {
  const now = options.now ?? new Date();
  const event = structuredClone(loadSample(type));
  refreshIds(event, now);
  shiftTimes(event, now);
  if (type === 'birthday_reached') setBirthdayToday(event, now);

  for (const [path, value] of options.set ?? []) {
    if (!options.addMissing && !hasPath(event, path)) throw missingPathError(type, event, path, 'set');
    try {
      setPath(event, path, value);
    } catch (error) {
      throw new CliError(`cannot set "${path}": ${(error as Error).message}`, {
        hint: 'set the parent object as a whole with JSON, such as --set \'card={"id":"card_1"}\'',
        exitCode: ExitCode.usage,
        code: 'invalid_path',
      });
    }
  }
  for (const path of options.unset ?? []) {
    if (!unsetPath(event, path)) throw missingPathError(type, event, path, 'unset');
  }

  return { event, body: Buffer.from(JSON.stringify(event), 'utf8') };
}

function missingPathError(type: EventType, event: JsonObject, path: string, action: 'set' | 'unset'): EventPathError {
  const nearest = nearestPaths(event, path);
  const listed = nearest.length > 0 ? `fields near it: ${nearest.join(', ')}` : 'the event has no fields';
  const hint = action === 'set' ? `${listed}; pass --add-missing to add "${path}" anyway` : listed;
  return new EventPathError(`cannot ${action} "${path}": the ${type} event has no such field`, path, nearest, hint);
}

/** Gives the event a new `evt_` id and every per-customer id a new value, keeping equal ids equal. */
function refreshIds(event: JsonObject, now: Date): void {
  const renamed = new Map<string, string>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    const record = node as JsonObject;
    for (const [key, value] of Object.entries(record)) {
      if (FRESH_ID_KEYS.has(key) && typeof value === 'string' && value.includes('_')) {
        let fresh = renamed.get(value);
        if (fresh === undefined) {
          fresh = prefixedId(value.slice(0, value.indexOf('_')));
          renamed.set(value, fresh);
        }
        record[key] = fresh;
      } else {
        visit(value);
      }
    }
  };
  visit(event);
  event.id = eventId(now.getTime());
}

/** Moves every ISO 8601 UTC time in the event by the same amount, so `timestamp` becomes `now`. */
function shiftTimes(event: JsonObject, now: Date): void {
  const sampleTime = typeof event.timestamp === 'string' ? Date.parse(event.timestamp) : Number.NaN;
  const offsetMs = Number.isNaN(sampleTime) ? 0 : now.getTime() - sampleTime;
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const record = node as JsonObject;
    for (const [key, value] of Object.entries(record)) {
      if (typeof value === 'string' && ISO_UTC.test(value)) record[key] = formatTime(Date.parse(value) + offsetMs, value.includes('.'));
      else visit(value);
    }
  };
  visit(event);
  event.timestamp = formatTime(now.getTime(), false);
}

function formatTime(ms: number, withMilliseconds: boolean): string {
  const text = new Date(ms).toISOString();
  return withMilliseconds ? text : `${text.slice(0, 19)}Z`;
}

function setBirthdayToday(event: JsonObject, now: Date): void {
  const customer = event.customer as JsonObject | undefined;
  if (customer && typeof customer.birthday === 'string') customer.birthday = now.toISOString().slice(5, 10);
}

/**
 * Parses one `--set` argument, `path=value`. The value is parsed as JSON when it is valid
 * JSON (`3`, `true`, `null`, `"3"`, `{"a":1}`), else it is the plain string. Throws a CliError
 * (exit code 2) when there is no `=` or the path has an empty segment.
 */
export function parseSetArgument(argument: string): [path: string, value: unknown] {
  const equals = argument.indexOf('=');
  if (equals === -1) {
    throw new CliError(`invalid --set "${argument}": expected path=value`, {
      hint: 'for example --set voucher.status=expired or --set card.goal_index=3',
      exitCode: ExitCode.usage,
      code: 'invalid_set',
    });
  }
  const path = argument.slice(0, equals).trim();
  if (path === '' || path.split('.').some((segment) => segment === '')) {
    throw new CliError(`invalid --set "${argument}": the path "${path}" has an empty segment`, {
      hint: 'write the path as dotted keys, such as customer.language or voucher.redeem_code_formats.0',
      exitCode: ExitCode.usage,
      code: 'invalid_set',
    });
  }
  const text = argument.slice(equals + 1);
  return [path, parseValue(text)];
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
