import { usageError } from '../errors.js';
import { EVENT_TYPES, resolveEventType, suggestEventType, type EventType } from '../events/catalog.js';

/** The host a `--forward` value that is only a port goes to. */
const DEFAULT_HOST = 'localhost';

/**
 * Parses a `--forward` value into the URL that deliveries go to. Accepts `3000`,
 * `3000/path`, `:3000`, `host:3000`, `host:3000/path?query` and full `http(s)://` URLs; the path and query are
 * kept as written. A value without a scheme gets `http:`, because local apps rarely have TLS.
 */
export function parseForwardTarget(text: string, flagName = '--forward'): URL {
  const value = text.trim();
  const example = `${flagName} localhost:3000/webhooks`;
  if (value === '') throw usageError(`${flagName} is empty`, `pass a port, host:port or URL, for example ${example}`, 'invalid_forward');

  let candidate: string;
  // `3000` and `3000/webhooks` name a port on localhost. Without this rule, `3000/webhooks`
  // would parse as the host 3000, which URL parsing turns into the IPv4 address 0.0.11.184.
  const portAndPath = /^(\d+)([/?#].*)?$/.exec(value);
  if (portAndPath) candidate = `http://${DEFAULT_HOST}:${portAndPath[1]}${portAndPath[2] ?? '/'}`;
  else if (value.startsWith(':')) candidate = `http://${DEFAULT_HOST}${value}`;
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) candidate = value;
  else candidate = `http://${value}`;
  const hasScheme = candidate === value;

  // The port is checked in the text, because new URL() rejects an out-of-range port with no reason and drops an explicit ":80".
  const port = /^[a-z]+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^/:?#]*):(\d*)/i.exec(candidate)?.[1];
  if (port !== undefined && (port === '' || Number(port) < 1 || Number(port) > 65_535)) {
    throw usageError(`${flagName} "${text}" has an invalid port "${port}"`, `use a port from 1 to 65535, for example ${example}`, 'invalid_forward');
  }

  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw usageError(`${flagName} "${text}" is not a valid port, host:port or URL`, `for example ${example}`, 'invalid_forward');
  }
  // A value such as "//localhost:0" slips past the text check above, and new URL() keeps port 0.
  if (url.port === '0') {
    throw usageError(`${flagName} "${text}" has an invalid port "0"`, `use a port from 1 to 65535, for example ${example}`, 'invalid_forward');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${flagName} "${text}" uses ${url.protocol.replace(':', '')}, but only http and https can be forwarded to`, `for example ${example}`, 'invalid_forward');
  }
  if (url.hostname === '') {
    throw usageError(`${flagName} "${text}" has no host`, `for example ${example}`, 'invalid_forward');
  }
  // Without a scheme, a single-label host needs a port: `--forward 300O` or `--forward app` is
  // far more likely a typo than a request to port 80. `myapp.localhost` alone stays valid.
  if (!hasScheme && url.port === '' && !url.hostname.includes('.') && !/:80(?:[/?#]|$)/.test(value)) {
    throw usageError(`${flagName} "${text}" has no port`, `pass host:port or a full URL, for example ${example}`, 'invalid_forward');
  }
  if (url.username !== '' || url.password !== '') {
    throw usageError(`${flagName} "${text}" contains credentials`, 'pass credentials as a header instead: --header "Authorization: Basic …"', 'invalid_forward');
  }
  return url;
}

/** Parses a `--header 'Name: value'` flag into its name and value. */
export function parseHeaderFlag(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(name)) {
    throw usageError(`--header "${text}" is not a "Name: value" header`, "for example --header 'Authorization: Bearer dev-token'", 'invalid_header');
  }
  return [name, text.slice(colon + 1).trim()];
}

/** Parses a comma-separated `--events` list into known event types, suggesting the closest name for a typo. */
export function parseEventList(text: string, flagName = '--events'): EventType[] {
  const names = text.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) throw usageError(`${flagName} is empty`, `pass event types such as ${flagName} voucher_redeemed,stamp_added`, 'invalid_event');
  const types = names.map((name) => parseEventName(name, flagName));
  return [...new Set(types)];
}

/** Resolves one event name or alias, or throws a usage error that suggests the closest name. */
export function parseEventName(name: string, flagName: string): EventType {
  const type = resolveEventType(name);
  if (type !== undefined) return type;
  const suggestion = suggestEventType(name);
  const hint = suggestion ? `did you mean ${suggestion}?` : `the event types are ${EVENT_TYPES.join(', ')}`;
  throw usageError(`${flagName}: unknown event type "${name}"`, hint, 'invalid_event');
}

/** One `--route EVENT=URL` rule: deliveries of that event type go to the URL instead of `--forward`. */
export interface Route {
  eventType: EventType;
  url: URL;
}

/** Parses a `--route EVENT=URL` flag; the URL side accepts everything `--forward` does. */
export function parseRoute(text: string): Route {
  const equals = text.indexOf('=');
  if (equals <= 0 || equals === text.length - 1) {
    throw usageError(`--route "${text}" is not EVENT=URL`, 'for example --route voucher_redeemed=localhost:3000/vouchers', 'invalid_route');
  }
  const eventType = parseEventName(text.slice(0, equals), '--route');
  return { eventType, url: parseForwardTarget(text.slice(equals + 1), '--route') };
}

/** Picks the URL for an event type: its `--route`, else the `--forward` URL. */
export function routeFor(eventType: string, routes: readonly Route[], fallback: URL): URL {
  for (const route of routes) {
    if (route.eventType === eventType) return route.url;
  }
  return fallback;
}
