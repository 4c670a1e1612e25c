import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeApi, type FakeApi, type FakeApiHandler, type SeenRequest } from '../helpers/fake-api.js';
import { runCli } from '../helpers/cli.js';

/**
 * API faults the account-commands tests leave out: bodies far too large, a connection cut
 * mid-body, error pages, a Retry-After too long to wait for, a 5xx burst longer than the
 * retry budget, and a POST whose response hangs, which must not be sent twice.
 */

const KEY = `7loc_sc_${'f'.repeat(32)}`;
type Handler = FakeApiHandler;

let baseUrl: string;
let queue: FakeApiHandler[] = [];
let seen: SeenRequest[] = [];

let fakeApi: FakeApi;

beforeAll(async () => {
  fakeApi = await startFakeApi();
  baseUrl = fakeApi.url;
  queue = fakeApi.queue;
  seen = fakeApi.seen;
});

afterAll(() => fakeApi.close());

beforeEach(() => {
  fakeApi.reset();
});

function stamp7(args: string[], env: Record<string, string> = {}) {
  return runCli(['--json', ...args, '--api-base', baseUrl], { env: { STAMP7_API_KEY: KEY, STAMP7_API_TIMEOUT_MS: '2000', ...env } });
}

function failure(result: { stderr: unknown }): { code: string; message: string; hint?: string; exit_code: number } {
  return (JSON.parse(String(result.stderr)) as { error: { code: string; message: string; hint?: string; exit_code: number } }).error;
}

function status(code: number, errorCode: string, headers: Record<string, string> = {}): Handler {
  return (_request, response) => response.writeHead(code, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ error: { code: errorCode, message: `fake ${errorCode}` } }));
}

describe('API faults', () => {
  it('stops reading a body far too large', async () => {
    // 20 MB of a JSON string, streamed: past the client's 16 MiB cap.
    queue.push((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"data":["');
      const chunk = 'x'.repeat(1024 * 1024);
      let sent = 0;
      const pump = (): void => {
        while (sent < 20 && response.write(chunk)) sent++;
        if (sent < 20) response.once('drain', pump);
        else response.end('"],"has_more":false,"next_cursor":null}');
      };
      response.on('error', () => undefined);
      pump();
    });
    const result = await stamp7(['events', 'list']);
    expect(result.exitCode).toBe(7);
    expect(failure(result).code).toBe('response_too_large');
    expect(failure(result).message).toContain('too large');
    expect(seen, 'a too-large answer is not retried').toHaveLength(1);
  });

  it('retries a GET cut mid-body', async () => {
    queue.push((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('{"data":[');
      response.socket?.destroy();
    });
    const result = await stamp7(['events', 'list']);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(seen).toHaveLength(2);
  });

  it('does not repeat a POST cut mid-body', async () => {
    queue.push((_request, response) => {
      response.writeHead(201, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('{"id":');
      response.socket?.destroy();
    });
    const result = await stamp7(['events', 'resend', 'evt_cut']);
    expect(result.exitCode).toBe(6);
    expect(failure(result).message).toContain('closed before a complete response');
    expect(seen.map((request) => request.method)).toEqual(['POST']);
  });

  it('reports an HTML error page by status', async () => {
    queue.push((_request, response) => response.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>'));
    const result = await stamp7(['events', 'resend', 'evt_html']);
    expect(result.exitCode).toBe(7);
    expect(failure(result).message).toContain('502');
    expect(String(result.stderr)).not.toContain('<html>');
    expect(seen).toHaveLength(1);
  });

  it('fails at once on a long Retry-After', async () => {
    queue.push(status(429, 'rate_limited', { 'retry-after': '3600' }));
    const started = Date.now();
    const result = await stamp7(['endpoints', 'list']);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.exitCode).toBe(7);
    expect(failure(result).message).toContain('3600 s');
    expect(failure(result).hint).toContain('3600 s');
    expect(seen).toHaveLength(1);
  });

  it('honours an HTTP-date Retry-After', async () => {
    queue.push(status(503, 'unavailable', { 'retry-after': new Date(Date.now() + 1_000).toUTCString() }));
    const result = await stamp7(['endpoints', 'list']);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(seen).toHaveLength(2);
  });

  it('gives up a 500 burst after three tries', async () => {
    for (let index = 0; index < 5; index++) queue.push(status(500, 'internal'));
    const result = await stamp7(['deliveries', 'list']);
    expect(result.exitCode).toBe(7);
    expect(failure(result).message).toContain('HTTP 500');
    expect(seen).toHaveLength(3);
  });

  it('does not repeat a POST that hangs', async () => {
    queue.push(() => undefined, () => undefined);
    const result = await stamp7(['endpoints', 'add', 'https://example.invalid/hook', '--events', 'all'], { STAMP7_API_TIMEOUT_MS: '400' });
    expect(result.exitCode).toBe(6);
    expect(failure(result).message).toContain('timed out');
    expect(seen.map((request) => request.method)).toEqual(['POST']);
  });

  it('reports a 200 with truncated JSON', async () => {
    queue.push((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"acct_1","name":'));
    const result = await stamp7(['whoami']);
    expect(result.exitCode).toBe(7);
    expect(failure(result).code).toBe('invalid_response');
  });
});
