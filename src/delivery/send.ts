import type { LookupAddress, LookupOptions } from 'node:dns';
import type { Agent as HttpAgent, IncomingHttpHeaders } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import { RESPONSE_SNIPPET_BYTES } from '../protocol/index.js';

// node:http, node:https (with node:tls) and node:dns add to start-up, and trigger's own
// connections need none of them, so each is loaded on first use.
const require = createRequire(import.meta.url);
const http = (): typeof import('node:http') => require('node:http') as typeof import('node:http');
const https = (): typeof import('node:https') => require('node:https') as typeof import('node:https');

/** The platform's response time limit: an attempt that takes longer fails. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface SendRequest {
  url: URL;
  /** Header names as they should go on the wire; `host` and `content-length` are set here. */
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs?: number;
  /** A keep-alive agent to reuse connections across sends; one per target is typical. */
  agent?: HttpAgent | HttpsAgent;
  /** How many response body bytes to keep; the rest is read and dropped. */
  maxResponseBytes?: number;
  method?: string;
}

export interface SendError {
  /** A Node.js error code (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, `ENOTFOUND`, …), `HTTP_PARSE` or `EMPTY_RESPONSE`. */
  code: string;
  message: string;
}

export interface SendResult {
  /** HTTP status, or null when no response came. */
  statusCode: number | null;
  durationMs: number;
  error: SendError | null;
  responseHeaders: IncomingHttpHeaders;
  /** At most `maxResponseBytes` of the response body. */
  responseBody: Buffer;
  /** The full size of the response body in bytes. */
  responseBytes: number;
  /** Set for a 3xx response. Redirects are never followed, so a 3xx fails the attempt. */
  redirectLocation: string | undefined;
}

/** True for a 2xx status, the only response that counts as a successful attempt. */
export function isSuccess(result: Pick<SendResult, 'statusCode' | 'error'>): boolean {
  return result.error === null && result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
}

/**
 * Sends one HTTP request with the exact body bytes and measures it. Never throws for
 * network or HTTP failures: they come back in `error`. The timeout covers the whole
 * exchange, from connect to the last byte of the response. Redirects are not followed.
 * `localhost` reaches an app on IPv6 or IPv4 alike: `localhostLookup` returns both loopback
 * addresses, and Node.js 20 and later try every address of a name in turn (net's
 * autoSelectFamily, on by default), moving on at once when one refuses the connection.
 */
export function sendRequest(request: SendRequest): Promise<SendResult> {
  const timeoutMs = request.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const maxResponseBytes = request.maxResponseBytes ?? RESPONSE_SNIPPET_BYTES;
  const started = performance.now();
  const isHttps = request.url.protocol === 'https:';
  const send = isHttps ? https().request : http().request;

  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: Omit<SendResult, 'durationMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: Math.round((performance.now() - started) * 100) / 100 });
    };
    const fail = (code: string, message: string): void =>
      finish({ statusCode: null, error: { code, message }, responseHeaders: {}, responseBody: Buffer.alloc(0), responseBytes: 0, redirectLocation: undefined });

    // node:http throws at once for a header it cannot send, such as a value with a line
    // break. That is bad input, so it is reported like any other failed send, not thrown.
    const invalidHeader = findInvalidHeader(request.headers);
    if (invalidHeader !== undefined) {
      fail(INVALID_HEADER, invalidHeader);
      return;
    }

    const outgoing = send(
      request.url,
      {
        method: request.method ?? 'POST',
        headers: { ...request.headers, 'content-length': String(request.body.length) },
        agent: request.agent,
        lookup: localhostLookup,
      },
      (response) => {
        const kept: Buffer[] = [];
        let keptBytes = 0;
        let totalBytes = 0;
        response.on('data', (chunk: Buffer) => {
          totalBytes += chunk.length;
          if (keptBytes < maxResponseBytes) {
            const slice = chunk.subarray(0, maxResponseBytes - keptBytes);
            kept.push(slice);
            keptBytes += slice.length;
          }
        });
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const location = status >= 300 && status < 400 ? response.headers.location : undefined;
          finish({
            statusCode: status,
            error: null,
            responseHeaders: response.headers,
            responseBody: Buffer.concat(kept),
            responseBytes: totalBytes,
            redirectLocation: location,
          });
        });
        response.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'ECONNRESET', error.message));
        response.on('aborted', () => fail('ECONNRESET', 'the connection closed before the answer was complete'));
      },
    );

    timer = setTimeout(() => {
      fail('ETIMEDOUT', `no complete answer within ${timeoutMs} ms`);
      outgoing.destroy();
    }, timeoutMs);

    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? (error.message.includes('Parse Error') ? 'HTTP_PARSE' : 'ERROR');
      // node:http reports a connection closed before any response byte as "socket hang up".
      if (code === 'ECONNRESET' && error.message === 'socket hang up') fail(EMPTY_RESPONSE, error.message);
      else fail(code.startsWith('HPE_') ? 'HTTP_PARSE' : code, error.message);
    });
    outgoing.end(request.body);
  });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

const LOOPBACK_ADDRESSES: LookupAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

/**
 * Resolves `localhost` and `*.localhost` to both 127.0.0.1 and ::1, as RFC 6761 reserves
 * those names for loopback. Many hosts files list only 127.0.0.1, which would make an app
 * that listens on ::1 alone unreachable. Every other name goes to the system resolver.
 */
export function localhostLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name !== 'localhost' && !name.endsWith('.localhost')) {
    (require('node:dns') as typeof import('node:dns')).lookup(hostname, options, callback as (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void);
    return;
  }
  const addresses = LOOPBACK_ADDRESSES.filter((entry) => !options.family || entry.family === options.family);
  if (options.all) callback(null, addresses);
  else callback(null, addresses[0]!.address, addresses[0]!.family);
}

/** The error code of a connection that closed before any byte of a response arrived. */
export const EMPTY_RESPONSE = 'EMPTY_RESPONSE';
/** The error code of a request whose header name or value is not valid HTTP, so it was never sent. */
export const INVALID_HEADER = 'INVALID_HEADER';

/** Returns why a header cannot go on the wire, or undefined when every header can. */
function findInvalidHeader(headers: Record<string, string>): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    try {
      http().validateHeaderName(name);
      http().validateHeaderValue(name, value);
    } catch (error) {
      return (error as Error).message;
    }
  }
  return undefined;
}

/** Explains a send error in a few plain words, for delivery lines and outcomes. */
export function describeSendError(error: SendError, url: URL): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `connection refused: is your app listening on ${url.host}?`;
    case 'ETIMEDOUT':
      return `timed out: ${error.message}`;
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset before a complete answer';
    case EMPTY_RESPONSE:
      return 'the app closed the connection without answering';
    case INVALID_HEADER:
      return `a header cannot be sent: ${error.message}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found: ${url.hostname}`;
    case 'HTTP_PARSE':
      return 'the answer is not valid HTTP';
    default:
      return `${error.code}: ${error.message}`;
  }
}

/** Creates a keep-alive agent for repeated sends to one origin. */
export function createAgent(url: URL, maxSockets: number): HttpAgent | HttpsAgent {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
  return url.protocol === 'https:' ? new (https().Agent)(options) : new (http().Agent)(options);
}
