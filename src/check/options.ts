import { usageError } from '../errors.js';
import { EVENT_TYPES, resolveEventType, suggestEventType, type EventType } from '../events/catalog.js';

/** Parses the receiver URL: an absolute http:// or https:// URL. */
export function parseTargetUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`invalid URL "${text}"`, 'pass the full URL of your webhook route, such as http://localhost:3000/webhooks/7stamp', 'invalid_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`invalid URL "${text}": the scheme must be http or https`, 'pass the full URL of your webhook route, such as http://localhost:3000/webhooks/7stamp', 'invalid_url');
  }
  return url;
}

/**
 * Parses `--events a,b` into event types in catalog order, accepting aliases. With no list,
 * every event type is under test. Throws a usage error naming the first unknown type.
 */
export function parseEventList(text: string | undefined): EventType[] {
  if (text === undefined) return [...EVENT_TYPES];
  const names = text.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) throw usageError('invalid --events "": expected a comma-separated list of event types', 'for example --events voucher_redeemed,stamp_added', 'invalid_events');

  const chosen = new Set<EventType>();
  for (const name of names) {
    const type = resolveEventType(name);
    if (type === undefined) {
      const suggestion = suggestEventType(name);
      const hint = suggestion ? `did you mean ${suggestion}?` : `known types: ${EVENT_TYPES.join(', ')}`;
      throw usageError(`unknown event type "${name}" in --events`, hint, 'unknown_event_type');
    }
    chosen.add(type);
  }
  return EVENT_TYPES.filter((type) => chosen.has(type));
}

/** Picks the secret from the flag, else STAMP7_WEBHOOK_SECRET; throws a usage error when neither is set or it is empty. */
export function resolveSecret(flag: string | undefined, environment: NodeJS.ProcessEnv = process.env): string {
  const fromEnvironment = environment.STAMP7_WEBHOOK_SECRET;
  const secret = flag ?? (fromEnvironment === '' ? undefined : fromEnvironment);
  if (secret === undefined) {
    throw usageError('missing webhook secret', 'pass --secret whsec_… or set STAMP7_WEBHOOK_SECRET to the secret your app verifies with', 'missing_secret');
  }
  if (secret.trim() === '') {
    throw usageError('invalid webhook secret: it is empty', 'pass the secret your app verifies with, with --secret whsec_… or STAMP7_WEBHOOK_SECRET', 'missing_secret');
  }
  return secret;
}
