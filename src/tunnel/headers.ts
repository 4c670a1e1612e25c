/**
 * Headers that describe one HTTP hop rather than the message (RFC 9110 section 7.6.1), plus
 * `host` and `content-length`, which the local request sets for itself.
 */
const HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/**
 * Builds the headers of the local request: the delivery's own headers minus the hop-by-hop
 * ones, then the `--header` flags, which replace a delivery header of the same name.
 */
export function buildForwardHeaders(deliveryHeaders: Readonly<Record<string, string>>, extra: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(deliveryHeaders)) {
    const lower = name.toLowerCase();
    if (!HOP_HEADERS.has(lower)) headers[lower] = value;
  }
  for (const [name, value] of extra) headers[name.toLowerCase()] = value;
  return headers;
}
