import type { TriggerCommandOptions } from './options.js';
import { CliError, ExitCode } from '../errors.js';
import { EVENT_ALIASES, EVENT_DESCRIPTIONS, EVENT_TYPES, resolveEventType, suggestEventType, type EventType } from '../events/catalog.js';
import { globalOptions, printJson, printLine } from '../output/context.js';
import { parseDuration } from '../output/duration.js';
// Imported statically, not on demand: one module graph loads faster than two in a row, and a single trigger's start-up is measured.
import { triggerToUrl } from './to-url.js';

/**
 * Runs `stamp7 trigger`: `--list`, `--print-secret`, a delivery to `--url`, or, without
 * `--url`, an event created through the platform API.
 */
export async function runTriggerCommand(eventArgument: string | undefined, options: TriggerCommandOptions): Promise<void> {
  if (options.list) {
    printCatalog();
    return;
  }
  const type = eventArgument === undefined ? undefined : parseEventType(eventArgument);

  if (options.printSecret && type === undefined && options.data === undefined) {
    const { resolveWebhookSecret } = await import('./secret.js');
    const resolved = await resolveWebhookSecret(options.secret);
    for (const secret of resolved.secrets) printLine(secret);
    return;
  }
  if (type === undefined && options.data === undefined) {
    throw new CliError('missing the event type', {
      hint: 'stamp7 trigger EVENT --url URL; stamp7 trigger --list shows the types',
      exitCode: ExitCode.usage,
      code: 'missing_event',
    });
  }

  if (options.url === undefined) {
    const { runApiTrigger } = await import('../events/api-trigger.js');
    await runApiTrigger({ ...options, event: type, json: globalOptions().json });
    return;
  }

  const apiOnly = [options.wait ? '--wait' : '', options.profile !== undefined ? '--profile' : '', options.apiBase !== undefined ? '--api-base' : ''].filter(Boolean);
  if (apiOnly.length > 0) {
    throw new CliError(`${apiOnly.join(', ')} ${apiOnly.length === 1 ? 'applies' : 'apply'} only without --url, when the event is created through the platform API`, {
      hint: 'drop them to send straight to --url, or drop --url to create the event on the platform',
      exitCode: ExitCode.usage,
      code: 'api_only_flag',
    });
  }

  await triggerToUrl({
    type,
    url: parseTargetUrl(options.url),
    secrets: options.secret,
    headers: options.header ?? [],
    set: options.set ?? [],
    unset: options.unset ?? [],
    addMissing: options.addMissing === true,
    data: options.data,
    timeoutMs: parsePositiveDuration(options.timeout, '--timeout'),
    count: parseCount(options.count, '--count', 1_000_000),
    concurrency: parseCount(options.concurrency, '--concurrency', 1_000),
    expect: options.expect,
    maxLatencyMs: options.maxLatency === undefined ? undefined : parseDuration(options.maxLatency, '--max-latency'),
    verbose: options.verbose === true,
    printSecret: options.printSecret === true,
  });
}

/** Resolves an event name or alias; an unknown name is a CliError with the closest name. */
export function parseEventType(name: string): EventType {
  const type = resolveEventType(name);
  if (type !== undefined) return type;
  const suggestion = suggestEventType(name);
  throw new CliError(`unknown event type "${name}"${suggestion ? `; did you mean ${suggestion}?` : ''}`, {
    hint: 'stamp7 trigger --list shows every event type',
    exitCode: ExitCode.usage,
    code: 'unknown_event',
  });
}

/** Parses `--url`: an absolute http or https URL. Anything else is a CliError (exit code 2). */
export function parseTargetUrl(text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    const hint = /^[\w.-]+:\d+/.test(text) || text.startsWith('/')
      ? `add the scheme and host, such as http://localhost:3000/webhooks`
      : 'pass an absolute http:// or https:// URL, such as http://localhost:3000/webhooks';
    throw new CliError(`invalid --url "${text}"`, { hint, exitCode: ExitCode.usage, code: 'invalid_url' });
  }
  return url;
}

function parseCount(text: string, flag: string, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || value > max) {
    throw new CliError(`invalid ${flag} "${text}": expected a whole number from 1 to ${max}`, {
      hint: flag === '--count' ? 'for example --count 100 --concurrency 8' : 'for example --concurrency 8',
      exitCode: ExitCode.usage,
      code: 'invalid_number',
    });
  }
  return value;
}

function parsePositiveDuration(text: string, flag: string): number {
  const ms = parseDuration(text, flag);
  if (ms <= 0) throw new CliError(`invalid ${flag} "${text}": it must be more than 0`, { hint: 'for example 10s', exitCode: ExitCode.usage, code: 'invalid_duration' });
  return ms;
}

function printCatalog(): void {
  const aliasesOf = (type: EventType): string[] => Object.entries(EVENT_ALIASES).filter(([, target]) => target === type).map(([alias]) => alias);
  if (globalOptions().json) {
    printJson({ data: EVENT_TYPES.map((name) => ({ name, description: EVENT_DESCRIPTIONS[name], aliases: aliasesOf(name) })) });
    return;
  }
  const width = Math.max(...EVENT_TYPES.map((name) => name.length));
  for (const name of EVENT_TYPES) printLine(`${name.padEnd(width)}  ${EVENT_DESCRIPTIONS[name]}`);
}
