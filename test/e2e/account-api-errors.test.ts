import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeApi, type FakeApi, type FakeApiHandler, type SeenRequest } from '../helpers/fake-api.js';
import { runCli } from '../helpers/cli.js';

const KEY = `7loc_sc_${'e'.repeat(32)}`;

type Handler = FakeApiHandler;

/** A fake platform API on loopback that responds from a queue of handlers, then with 200 and an empty page. */
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

function error(status: number, code: string, headers: Record<string, string> = {}): Handler {
  return (_request, response) =>
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ error: { code, message: `fake ${code}` } }));
}

function stamp7(args: string[]) {
  return runCli(['--json', ...args, '--api-base', baseUrl], { env: { STAMP7_API_KEY: KEY } });
}

describe('API errors', () => {
  it('waits for Retry-After on 429, then succeeds', async () => {
    queue.push(error(429, 'rate_limited', { 'retry-after': '1' }));
    const result = await stamp7(['events', 'list']);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(JSON.parse(String(result.stdout))).toEqual({ data: [] });
    expect(seen).toHaveLength(2);
    expect(seen[1]!.atMs - seen[0]!.atMs).toBeGreaterThanOrEqual(950);
  });

  it('retries a GET through a 500 burst', async () => {
    queue.push(error(500, 'internal'), error(502, 'bad_gateway'));
    const result = await stamp7(['deliveries', 'list']);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(seen.map((request) => request.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('does not retry a POST on 500', async () => {
    queue.push(error(500, 'internal'));
    const result = await stamp7(['events', 'resend', 'evt_1']);
    expect(result.exitCode).toBe(7);
    expect(seen).toHaveLength(1);
    const failure = JSON.parse(String(result.stderr)) as { error: { message: string; exit_code: number } };
    expect(failure.error.message).toContain('HTTP 500');
    expect(failure.error.exit_code).toBe(7);
  });

  it('explains a revoked key with exit 4', async () => {
    queue.push(error(401, 'unauthorized'));
    const result = await stamp7(['endpoints', 'list']);
    expect(result.exitCode).toBe(4);
    expect(seen).toHaveLength(1);
    const failure = JSON.parse(String(result.stderr)) as { error: { message: string; hint: string } };
    expect(failure.error.message).toContain('STAMP7_API_KEY');
    expect(failure.error.hint).toContain('stamp7 login');
    expect(String(result.stderr)).not.toContain(KEY);
  });

  it('names the id on 404', async () => {
    queue.push(error(404, 'not_found'));
    const result = await stamp7(['endpoints', 'show', 'we_missing']);
    expect(result.exitCode).toBe(5);
    expect(String(result.stderr)).toContain('we_missing');
  });

  it('names the field on 400', async () => {
    queue.push((_request, response) =>
      response
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'invalid_request', message: 'must be https', field: 'url' } })),
    );
    const result = await stamp7(['endpoints', 'add', 'https://example.com/hook', '--events', 'all']);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain('\\"url\\"');
  });

  it('reports a non-JSON answer with exit 7', async () => {
    queue.push((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy login</html>'));
    const result = await stamp7(['whoami']);
    expect(result.exitCode).toBe(7);
    expect(String(result.stderr)).toContain('not JSON');
  });

  it('times out a hanging answer with exit 6', async () => {
    for (let i = 0; i < 3; i++) queue.push(() => undefined);
    const result = await runCli(['whoami', '--api-base', baseUrl], { env: { STAMP7_API_KEY: KEY, STAMP7_API_TIMEOUT_MS: '300' } });
    expect(result.exitCode).toBe(6);
    expect(String(result.stderr)).toContain('timed out');
    expect(seen).toHaveLength(3);
  });
});
