import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, ExitCode } from '../errors.js';
import { debug, info } from '../output/context.js';
import { maskSecret } from '../output/mask.js';
import { notLoggedInError, resolveCredentials, sandboxCredentials, type CredentialOptions, type Credentials } from './credentials.js';
import { translateApiError, type ApiErrorBody } from './errors.js';
import { MAX_ATTEMPTS, MAX_RETRY_AFTER_MS, RETRY_DELAYS_MS, backoffDelayMs, isIdempotentMethod, isRetryableStatus, parseRetryAfter } from './retry.js';
import { DEFAULT_TIMEOUT_MS, TransportError, sendApiRequest, type RawResponse } from './transport.js';

export type QueryValue = string | number | boolean | undefined | null;

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, QueryValue>;
  /** Marks a POST as safe to repeat, so 429, 5xx and network errors are retried for it too. */
  idempotent?: boolean;
}

/** One page of a list route. */
export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface ApiClientOptions extends CredentialOptions {
  /** Time for one try of a call; STAMP7_API_TIMEOUT_MS overrides the 30 s default. */
  timeoutMs?: number;
  /** Delays before the second and third try of an idempotent call; tests shorten them. */
  retryDelaysMs?: readonly number[];
}

/** A client for the platform's REST API (docs/api.md), bound to one key and base URL. */
export interface ApiClient {
  readonly baseUrl: string;
  readonly profileName: string;
  readonly apiKeyMasked: string;
  /** True when no profile was logged in and the client fell back to the local sandbox. */
  readonly usesSandboxFallback: boolean;
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  get<T>(path: string, query?: Record<string, QueryValue>): Promise<T>;
  post<T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
  /** Iterates over every item of a list route, page by page, stopping after `limit` items. */
  paginate<T>(path: string, query?: Record<string, QueryValue>, limit?: number): AsyncIterable<T>;
}

const HEALTH_TIMEOUT_MS = 1_500;
const PAGE_SIZE_MAX = 100;

/**
 * Creates the API client. Credentials come from, in order: the flags in `options`, the
 * STAMP7_API_KEY / STAMP7_API_BASE / STAMP7_PROFILE variables, the config's active
 * profile, and last the `sandbox` profile when that sandbox responds to `GET /v1/health`;
 * that fallback is announced in one line on stderr. The sandbox's profile, when it is the
 * active one only because the sandbox made it so, counts as that fallback. Throws a config error (exit 3) when
 * none is found.
 */
export async function createApiClient(options: ApiClientOptions = {}): Promise<ApiClient> {
  const timeoutMs = options.timeoutMs ?? timeoutFromEnv();
  const resolved = resolveCredentials(options);
  if (resolved && !resolved.sandboxFallback) return new HttpApiClient(resolved, timeoutMs, options.retryDelaysMs);

  const sandbox = resolved ?? sandboxCredentials(options);
  if (sandbox === undefined) throw notLoggedInError();
  if (!(await sandboxAnswers(sandbox.apiBase))) throw notLoggedInError(sandbox.apiBase);

  info(`No profile is logged in: using the local sandbox at ${sandbox.apiBase}`);
  return new HttpApiClient(sandbox, timeoutMs, options.retryDelaysMs);
}

/** Probes `GET /v1/health` at `apiBase`; true when a stamp7 sandbox (or the platform) reports ok. */
export async function sandboxAnswers(apiBase: string): Promise<boolean> {
  try {
    const response = await sendApiRequest({
      method: 'GET',
      url: new URL(`${apiBase}/v1/health`),
      headers: { accept: 'application/json' },
      timeoutMs: HEALTH_TIMEOUT_MS,
      maxResponseBytes: 64 * 1024,
    });
    const body = JSON.parse(response.body.toString('utf8')) as { status?: unknown };
    return response.status === 200 && body.status === 'ok';
  } catch (error) {
    debug(`sandbox health check at ${apiBase} failed: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}

function timeoutFromEnv(): number {
  const text = process.env.STAMP7_API_TIMEOUT_MS;
  if (text === undefined || text.trim() === '') return DEFAULT_TIMEOUT_MS;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new CliError(`STAMP7_API_TIMEOUT_MS must be a positive whole number of milliseconds, not "${text}"`, {
      exitCode: ExitCode.usage,
      code: 'invalid_timeout',
      hint: 'unset it to use the default of 30000',
    });
  }
  return value;
}

let userAgent: string | undefined;
function readUserAgent(): string {
  if (userAgent === undefined) {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    userAgent = `stamp7/${manifest.version} node/${process.versions.node}`;
  }
  return userAgent;
}

class HttpApiClient implements ApiClient {
  readonly baseUrl: string;
  readonly profileName: string;
  readonly apiKeyMasked: string;
  readonly usesSandboxFallback: boolean;

  constructor(
    private readonly credentials: Credentials,
    private readonly timeoutMs: number,
    private readonly retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
  ) {
    this.baseUrl = credentials.apiBase;
    this.profileName = credentials.profileName;
    this.apiKeyMasked = maskSecret(credentials.apiKey);
    this.usesSandboxFallback = credentials.sandboxFallback;
  }

  get<T>(path: string, query?: Record<string, QueryValue>): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body: body ?? {} });
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async *paginate<T>(path: string, query: Record<string, QueryValue> = {}, limit = Number.POSITIVE_INFINITY): AsyncIterable<T> {
    let cursor: string | null = null;
    let yielded = 0;
    do {
      const pageSize = Math.min(PAGE_SIZE_MAX, Math.max(1, limit - yielded));
      const page: Page<T> = await this.get<Page<T>>(path, { ...query, limit: pageSize, cursor });
      for (const item of page.data) {
        if (yielded >= limit) return;
        yield item;
        yielded++;
      }
      cursor = page.has_more ? page.next_cursor : null;
    } while (cursor !== null && yielded < limit);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const upperMethod = method.toUpperCase();
    const retryable = options.idempotent === true || isIdempotentMethod(upperMethod);
    const url = this.buildUrl(path, options.query);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${this.credentials.apiKey}`,
      'user-agent': readUserAgent(),
    };
    if (body !== undefined) headers['content-type'] = 'application/json';

    for (let attempt = 1; ; attempt++) {
      const canRetry = retryable && attempt < MAX_ATTEMPTS;
      let response: RawResponse;
      try {
        debug(`${upperMethod} ${url.href}${attempt > 1 ? ` (try ${attempt} of ${MAX_ATTEMPTS})` : ''}`);
        response = await sendApiRequest({ method: upperMethod, url, headers, body, timeoutMs: this.timeoutMs });
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        if (canRetry && error.kind !== 'too_large') {
          await this.waitBeforeRetry(upperMethod, path, backoffDelayMs(attempt + 1, this.retryDelaysMs), error.message);
          continue;
        }
        throw this.transportFailure(error, upperMethod, path, attempt);
      }

      if (response.status >= 200 && response.status < 300) return this.parseBody<T>(response, upperMethod, path);

      if (canRetry && isRetryableStatus(response.status)) {
        const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
        if (retryAfterMs === undefined || retryAfterMs <= MAX_RETRY_AFTER_MS) {
          const delayMs = retryAfterMs ?? backoffDelayMs(attempt + 1, this.retryDelaysMs);
          await this.waitBeforeRetry(upperMethod, path, delayMs, `HTTP ${response.status}`);
          continue;
        }
      }
      throw this.statusFailure(response, upperMethod, path);
    }
  }

  private buildUrl(path: string, query: Record<string, QueryValue> | undefined): URL {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    return url;
  }

  private async waitBeforeRetry(method: string, path: string, delayMs: number, reason: string): Promise<void> {
    debug(`${method} ${path} failed (${reason}); trying again in ${delayMs} ms`);
    await sleep(delayMs);
  }

  private parseBody<T>(response: RawResponse, method: string, path: string): T {
    if (response.status === 204 || response.body.length === 0) return undefined as T;
    try {
      return JSON.parse(response.body.toString('utf8')) as T;
    } catch {
      throw this.unreadableAnswer(response, method, path);
    }
  }

  private statusFailure(response: RawResponse, method: string, path: string): CliError {
    let body: ApiErrorBody | undefined;
    try {
      const parsed = JSON.parse(response.body.toString('utf8')) as { error?: ApiErrorBody };
      body = typeof parsed.error === 'object' && parsed.error !== null ? parsed.error : undefined;
    } catch {
      // A proxy or load balancer error page: the status alone still explains the failure.
      body = undefined;
    }
    const error = translateApiError({
      method,
      path: path.split('?')[0]!,
      status: response.status,
      body,
      keySource: this.credentials.keySource,
      loginCommand: this.credentials.loginCommand,
    });
    if (response.status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
      if (retryAfterMs !== undefined) {
        return new CliError(`${error.message}; it asks to wait ${Math.ceil(retryAfterMs / 1000)} s`, {
          exitCode: error.exitCode,
          code: error.code,
          hint: `try again in ${Math.ceil(retryAfterMs / 1000)} s`,
        });
      }
    }
    return error;
  }

  private unreadableAnswer(response: RawResponse, method: string, path: string): CliError {
    const contentType = String(response.headers['content-type'] ?? 'no content type');
    return new CliError(`the API at ${this.baseUrl} returned HTTP ${response.status} to ${method} ${path} with a body that is not JSON (${contentType})`, {
      exitCode: ExitCode.api,
      code: 'invalid_response',
      hint: 'check the API base (--api-base or STAMP7_API_BASE) and any proxy between you and the API',
    });
  }

  private transportFailure(error: TransportError, method: string, path: string, attempts: number): CliError {
    const tries = attempts > 1 ? ` after ${attempts} tries` : '';
    if (error.kind === 'too_large') {
      return new CliError(`the API at ${this.baseUrl} returned a response to ${method} ${path} that is too large: ${error.message}`, {
        exitCode: ExitCode.api,
        code: 'response_too_large',
        hint: 'check the API base (--api-base or STAMP7_API_BASE); list commands can ask for fewer items with --limit',
      });
    }
    const timeout = error.kind === 'timeout';
    return new CliError(`${timeout ? 'timed out waiting for' : 'cannot reach'} the API at ${this.baseUrl} (${method} ${path})${tries}: ${error.message}`, {
      exitCode: ExitCode.network,
      code: timeout ? 'timeout' : 'network_error',
      hint: this.credentials.sandboxFallback || this.profileName === 'sandbox'
        ? 'is the sandbox still running? Start it with stamp7 sandbox'
        : 'check your network, the API base (--api-base or STAMP7_API_BASE) and HTTPS_PROXY / NO_PROXY',
    });
  }
}
