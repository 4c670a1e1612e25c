import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';

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
 * Returns the dispatcher for every API call. EnvHttpProxyAgent reads HTTP_PROXY, HTTPS_PROXY and
 * NO_PROXY (and their lower-case forms, which win) when it is created.
 */
export function apiDispatcher(): Dispatcher {
  sharedDispatcher ??= new EnvHttpProxyAgent();
  return sharedDispatcher;
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
      dispatcher: apiDispatcher(),
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
