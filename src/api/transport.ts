import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Dispatcher } from 'undici';

/** Default time for one try of an API call, from connect to the last byte of the response. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The largest response body the client reads. A page of 100 events fits many times over. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** One HTTP response from the API, before any JSON parsing. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A try that got no complete response, because the network failed or the response hung or was too large. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'network' | 'timeout' | 'too_large',
    /** The Node.js or undici error code, such as `ECONNREFUSED`. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

let sharedDispatcher: Dispatcher | undefined;

/**
 * Returns the dispatcher for API calls through a proxy. EnvHttpProxyAgent reads HTTP_PROXY,
 * HTTPS_PROXY and NO_PROXY (and their lower-case forms, which win) when it is created.
 */
async function apiDispatcher(): Promise<{ dispatcher: Dispatcher; request: typeof import('undici').request }> {
  const undici = await import('undici');
  sharedDispatcher ??= new undici.EnvHttpProxyAgent();
  return { dispatcher: sharedDispatcher, request: undici.request };
}

/**
 * True when a proxy variable is set. Only then is undici loaded: it costs about 70 ms of
 * start-up and 11 MB of memory, which a long-running `listen` would carry for nothing.
 */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => (env[name] ?? '') !== '');
}

export interface SendOptions {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | undefined;
  timeoutMs: number;
  maxResponseBytes?: number;
}

/** Sends one request and reads the whole response; throws TransportError when none arrives. */
export async function sendApiRequest(options: SendOptions): Promise<RawResponse> {
  return proxyConfigured() ? sendThroughProxy(options) : sendDirect(options);
}

async function sendThroughProxy(options: SendOptions): Promise<RawResponse> {
  const { dispatcher, request } = await apiDispatcher();
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);

  try {
    const response = await request(options.url, {
      method: options.method as Dispatcher.HttpMethod,
      headers: options.headers,
      body: options.body,
      dispatcher,
      signal: controller.signal,
      // The abort timer above bounds the whole exchange; undici's own timers stay out of the way.
      headersTimeout: 0,
      bodyTimeout: 0,
    });

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        response.body.destroy();
        throw new TransportError(`the response is larger than ${maxBytes} bytes`, 'too_large', 'TOO_LARGE');
      }
      chunks.push(chunk as Buffer);
    }
    return { status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) };
  } catch (error) {
    if (error instanceof TransportError) throw error;
    if (timedOut) {
      throw new TransportError(`no complete response within ${formatSeconds(options.timeoutMs)}`, 'timeout', 'ETIMEDOUT');
    }
    throw toTransportError(error);
  } finally {
    clearTimeout(timer);
  }
}

const directAgents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** Sends one request with node:http(s), the path taken when no proxy is configured. */
function sendDirect(options: SendOptions): Promise<RawResponse> {
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const isHttps = options.url.protocol === 'https:';
  const send = isHttps ? httpsRequest : httpRequest;

  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
    };

    const outgoing = send(
      options.url,
      {
        method: options.method,
        headers: { ...options.headers, ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }) },
        agent: isHttps ? directAgents.https : directAgents.http,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            outgoing.destroy();
            settle(() => reject(new TransportError(`the response is larger than ${maxBytes} bytes`, 'too_large', 'TOO_LARGE')));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => settle(() => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) })));
        response.on('error', (error) => settle(() => reject(toTransportError(error))));
        response.on('aborted', () => settle(() => reject(new TransportError(describeNetworkError('ECONNRESET', ''), 'network', 'ECONNRESET'))));
      },
    );

    const timer = setTimeout(() => {
      settle(() => reject(new TransportError(`no complete response within ${formatSeconds(options.timeoutMs)}`, 'timeout', 'ETIMEDOUT')));
      outgoing.destroy();
    }, options.timeoutMs);

    outgoing.on('error', (error) => settle(() => reject(toTransportError(error))));
    outgoing.end(options.body);
  });
}

function toTransportError(error: unknown): TransportError {
  const cause = (error as { cause?: unknown }).cause as NodeJS.ErrnoException | undefined;
  const code = (error as NodeJS.ErrnoException).code ?? cause?.code ?? 'ERROR';
  const message = error instanceof Error ? error.message : String(error);
  return new TransportError(describeNetworkError(code, message), 'network', code);
}

/** Explains a network error code in plain words. */
export function describeNetworkError(code: string, message: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'the connection closed before a complete response';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'the connection timed out';
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate rejected (${code})`;
    default:
      return code.startsWith('HPE_') ? 'the response is not valid HTTP' : `${code}: ${message}`;
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
