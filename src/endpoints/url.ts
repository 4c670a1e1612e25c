import { usageError } from '../errors.js';

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

/** True for `localhost`, `127.0.0.0/8` and `::1`, the hosts the sandbox accepts over http. */
export function isLoopbackHost(hostname: string): boolean {
  if (LOOPBACK_HOSTS.has(hostname.toLowerCase())) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Checks an endpoint URL before sending it to the API. The platform delivers only over https.
 * The sandbox also accepts http to a loopback host, so a local app can be an endpoint;
 * the platform rejects such a URL with a 400 on `url`.
 */
export function checkEndpointUrl(text: string, flag = 'URL'): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`invalid ${flag} "${text}": not an absolute URL`, 'pass a full URL such as https://example.com/webhooks/7stamp', 'invalid_url');
  }

  if (url.protocol === 'https:') return url.href;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url.href;
  if (url.protocol === 'http:') {
    throw usageError(
      `invalid ${flag} "${text}": endpoints must use https://, because 7stamp delivers signed events only over TLS`,
      'use an https:// URL; only the local sandbox accepts http://, and only to localhost, 127.0.0.0/8 or ::1. For a local app, stamp7 listen forwards events to it without an endpoint',
      'invalid_url',
    );
  }
  throw usageError(`invalid ${flag} "${text}": the scheme must be https://, not ${url.protocol}//`, 'pass an https:// URL', 'invalid_url');
}
