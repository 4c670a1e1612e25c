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

/** A sample and where its ids and times sit, worked out once per type. */
interface SamplePlan {
  sample: JsonObject;
  text: string;
  /** Containers and keys of the ids to replace, with the sample's value (equal values get equal new ids). */
  ids: Array<{ path: string[]; value: string; prefix: string }>;
  /** Containers and keys of the times to move, as an offset from the sample's `timestamp`. */
  times: Array<{ path: string[]; offsetMs: number; withMilliseconds: boolean }>;
}

const plans = new Map<EventType, SamplePlan>();

/** Loads the sample body of an event type from `fixtures/<type>.json`, once per process. */
export function loadSample(type: EventType): JsonObject {
  return samplePlan(type).sample;
}

function samplePlan(type: EventType): SamplePlan {
  let plan = plans.get(type);
  if (plan === undefined) {
    // Both src/events and dist/events sit two levels below the package root.
    const url = new URL(`../../fixtures/${type}.json`, import.meta.url);
    const sample = JSON.parse(readFileSync(url, 'utf8')) as JsonObject;
    plan = planSample(sample);
    plans.set(type, plan);
  }
  return plan;
}

function planSample(sample: JsonObject): SamplePlan {
  const plan: SamplePlan = { sample, text: JSON.stringify(sample), ids: [], times: [] };
  const sampleTime = typeof sample.timestamp === 'string' ? Date.parse(sample.timestamp) : Number.NaN;
  const visit = (node: unknown, path: string[]): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as JsonObject)) {
      const here = [...path, key];
      if (path.length === 0 && (key === 'id' || key === 'timestamp')) continue;
      if (FRESH_ID_KEYS.has(key) && typeof value === 'string' && value.includes('_')) {
        plan.ids.push({ path: here, value, prefix: value.slice(0, value.indexOf('_')) });
      } else if (typeof value === 'string' && ISO_UTC.test(value) && !Number.isNaN(sampleTime)) {
        plan.times.push({ path: here, offsetMs: Date.parse(value) - sampleTime, withMilliseconds: value.includes('.') });
      } else {
        visit(value, here);
      }
    }
  };
  visit(sample, []);
  return plan;
}

function assignAt(root: JsonObject, path: string[], value: unknown): void {
  let node: JsonObject = root;
  for (let index = 0; index < path.length - 1; index++) node = node[path[index]!] as JsonObject;
  node[path[path.length - 1]!] = value;
}

/**
 * Builds a fresh event of a type: the sample with new ids, the current time (other times in
 * the sample keep their distance to it), then `set` and `unset` applied. Throws a CliError
 * (exit code 2) for a path the event lacks, unless `addMissing` allows `set` to create it.
 */
export function buildEvent(type: EventType, options: BuildEventOptions = {}): BuiltEvent {
  const now = options.now ?? new Date();
  const plan = samplePlan(type);
  const event = JSON.parse(plan.text) as JsonObject;
  refreshIds(event, plan, now);
  shiftTimes(event, plan, now);
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
function refreshIds(event: JsonObject, plan: SamplePlan, now: Date): void {
  const renamed = new Map<string, string>();
  for (const { path, value, prefix } of plan.ids) {
    let fresh = renamed.get(value);
    if (fresh === undefined) {
      fresh = prefixedId(prefix);
      renamed.set(value, fresh);
    }
    assignAt(event, path, fresh);
  }
  event.id = eventId(now.getTime());
}

/** Sets `timestamp` to now and moves every other time of the sample by the same amount. */
function shiftTimes(event: JsonObject, plan: SamplePlan, now: Date): void {
  const nowMs = now.getTime();
  for (const { path, offsetMs, withMilliseconds } of plan.times) assignAt(event, path, formatTime(nowMs + offsetMs, withMilliseconds));
  event.timestamp = formatTime(nowMs, false);
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
