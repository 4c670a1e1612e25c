import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeApi, type FakeApi, type FakeApiHandler, type SeenRequest } from '../helpers/fake-api.js';
import { createApiClient } from '../../src/api/client.js';
import { CliError, ExitCode } from '../../src/errors.js';

const KEY = '7loc_sc_unitTestKey0123456789';

type Handler = FakeApiHandler;

let baseUrl: string;
let handlers: FakeApiHandler[] = [];
let seen: SeenRequest[] = [];

let fakeApi: FakeApi;

beforeAll(async () => {
  fakeApi = await startFakeApi('{"ok":true}');
  baseUrl = fakeApi.url;
  handlers = fakeApi.queue;
  seen = fakeApi.seen;
});

afterAll(() => fakeApi.close());

beforeEach(() => {
  fakeApi.reset();
});

function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_request, response) => response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function rejection(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('api client', () => {
  it('sends the key and query, parses JSON', async () => {
    const client = await createApiClient({ apiKey: KEY, apiBase: baseUrl, retryDelaysMs: [20, 40] });
    handlers.push(json(200, { id: 'acct_1' }));
    const account = await client.get<{ id: string }>('/v1/account', { limit: 5, cursor: null });
    expect(account.id).toBe('acct_1');
    expect(seen[0]!.authorization).toBe(`Bearer ${KEY}`);
    expect(seen[0]!.url).toBe('/v1/account?limit=5');
    expect(client.apiKeyMasked).not.toContain('unitTestKey');
  });

  it('retries a GET after 429 with Retry-After', async () => {
    const client = await createApiClient({ apiKey: KEY, apiBase: baseUrl, retryDelaysMs: [20, 40] });
    handlers.push(json(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '1' }), json(200, { done: true }));
    const started = Date.now();
    const result = await client.get<{ done: boolean }>('/v1/events');
    expect(result.done).toBe(true);
    expect(seen).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('retries a GET through a 500 burst', async () => {
    const client = await createApiClient({ apiKey: KEY, apiBase: baseUrl, retryDelaysMs: [20, 40] });
    handlers.push(json(500, { error: { code: 'internal', message: 'boom' } }), json(503, {}), json(200, { done: true }));
    const result = await client.get<{ done: boolean }>('/v1/events');
    expect(result.done).toBe(true);
    expect(seen).toHaveLength(3);
  });

  it('gives up after three tries', async () => {
    const client = await createApiClient({ apiKey: KEY, apiBase: baseUrl, retryDelaysMs: [20, 40] });
    for (let i = 0; i < 4; i++) handlers.push(json(500, { error: { code: 'internal', message: 'boom' } }));
    const error = await rejection(client.get('/v1/events'));
    expect(error.exitCode).toBe(ExitCode.api);
    expect(error.message).toContain('HTTP 500');
    expect(seen).toHaveLength(3);
  });

  it('does not retry a POST on 500', async () => {
    const client = await createApiClient({ apiKey: KEY, apiBase: baseUrl, retryDelaysMs: [20, 40] });
    handlers.push(json(500, { error: { code: 'internal', message: 'boom' } }), json(200, {}));
    const error = await rejection(client.post('/v1/events', { type: 'ping' }));
    expect(error.exitCode).toBe(ExitCode.api);
    expect(seen).toHaveLength(1);
    expect(JSON.parse(seen[0]!.body)).toEqual({ type: 'ping' });
  });

  it('retries a POST marked idempotent', async () => {
    const client = await createApiClient({ apiKey: KEY, apiBase: baseUrl, retryDelaysMs: [20, 40] });
    handlers.push(json(502, {}), json(200, { ok: 1 }));
    await client.post('/v1/webhook_endpoints/we_1/ping', {}, { idempotent: true });
    expect(seen).toHaveLength(2);
  });

  it('fails on a Retry-After beyond the bound', async () => {
    const client = await createApiClient({ apiKey: KEY, apiBase: baseUrl, retryDelaysMs: [20, 40] });
    handlers.push(json(429, { error: { code: 'rate_limited', message: 'later' } }, { 'retry-after': '3600' }));
    const error = await rejection(client.get('/v1/events'));
    expect(error.code).toBe('rate_limited');
    expect(error.hint).toContain('3600 s');
    expect(seen).toHaveLength(1);
  });

  it('reports a non-JSON answer', async () => {
    const client = await createApiClient({ apiKey: KEY, apiBase: baseUrl, retryDelaysMs: [20, 40] });
    handlers.push((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>'));
    const error = await rejection(client.get('/v1/account'));
    expect(error.exitCode).toBe(ExitCode.api);
    expect(error.message).toContain('not JSON');
  });

  it('times out a hanging answer', async () => {
    const client = await createApiClient({ apiKey: KEY, apiBase: baseUrl, timeoutMs: 200, retryDelaysMs: [20, 40] });
    for (let i = 0; i < 3; i++) handlers.push(() => undefined);
    const error = await rejection(client.get('/v1/account'));
    expect(error.exitCode).toBe(ExitCode.network);
    expect(error.code).toBe('timeout');
    expect(seen).toHaveLength(3);
  });

  it('reports a refused connection', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const client = await createApiClient({ apiKey: KEY, apiBase: `http://127.0.0.1:${closedPort}` });
    const error = await rejection(client.post('/v1/events', {}));
    expect(error.exitCode).toBe(ExitCode.network);
    expect(error.message).toContain('connection refused');
  });

  it('paginates over next_cursor up to the limit', async () => {
    const client = await createApiClient({ apiKey: KEY, apiBase: baseUrl, retryDelaysMs: [20, 40] });
    handlers.push(json(200, { data: [1, 2], has_more: true, next_cursor: 'c2' }), json(200, { data: [3, 4], has_more: true, next_cursor: 'c3' }));
    const items: number[] = [];
    for await (const item of client.paginate<number>('/v1/events', { type: 'ping' }, 3)) items.push(item);
    expect(items).toEqual([1, 2, 3]);
    expect(seen[0]!.url).toBe('/v1/events?type=ping&limit=3');
    expect(seen[1]!.url).toBe('/v1/events?type=ping&limit=1&cursor=c2');
  });

  it('rejects a malformed key before any call', async () => {
    const error = await rejection(createApiClient({ apiKey: 'sk_live_nope', apiBase: baseUrl }));
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.message).not.toContain('sk_live_nope');
    expect(seen).toHaveLength(0);
  });
});
