import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/signing/index.js';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.js';

const SECRET = 'whsec_e2eTriggerSecret_Zoë';
const CONTRACT_HEADERS = ['content-type', 'user-agent', 'x-7stamp-event', 'x-7stamp-event-id', 'x-7stamp-delivery-id', 'x-7stamp-attempt', 'x-7stamp-signature'];

/** Checks the signature without stamp7's code: HMAC-SHA256 over `<t>.<body>` with node:crypto. */
function independentlyValid(request: ReceivedRequest, secret: string): boolean {
  const header = String(request.headers['x-7stamp-signature'] ?? '');
  const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
  if (t === undefined) return false;
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.concat([Buffer.from(`${t}.`), request.body])).digest();
  return [...header.matchAll(/v1=([0-9a-f]{64})/g)].some((match) => timingSafeEqual(expected, Buffer.from(match[1]!, 'hex')));
}

function expectSignedDelivery(request: ReceivedRequest, secret = SECRET): Record<string, unknown> {
  for (const name of CONTRACT_HEADERS) expect(request.headers[name], name).toBeTruthy();
  expect(request.method).toBe('POST');
  expect(request.headers['content-type']).toBe('application/json');
  expect(request.headers['user-agent']).toBe('7stamp-Webhooks/1.0');
  expect(request.headers['x-7stamp-attempt']).toBe('1');
  expect(verifySignature({ body: request.body, header: request.headers['x-7stamp-signature'], secret }).ok).toBe(true);
  expect(independentlyValid(request, secret)).toBe(true);
  const body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
  expect(request.headers['x-7stamp-event-id']).toBe(body.id);
  expect(request.headers['x-7stamp-event']).toBe(body.event);
  return body;
}

function expectOneLineError(stderr: string): void {
  expect(stderr).toMatch(/^error: .+\nhint: .+\n?$/);
  expect(stderr).not.toMatch(/\n\s+at /);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let receiver: Receiver;
let config: ReturnType<typeof tempConfigDir>;

beforeAll(async () => {
  config = tempConfigDir();
  receiver = await startReceiver((request, response) => {
    if (request.url === '/redirect') {
      response.writeHead(302, { location: 'https://app.example.test/webhooks' }).end();
    } else if (request.url === '/error') {
      response.writeHead(500, { 'content-type': 'text/plain' }).end('handler crashed: no such voucher');
    } else if (request.url === '/unauthorized') {
      response.writeHead(401).end('bad signature');
    } else if (request.url === '/slow') {
      setTimeout(() => response.writeHead(200).end('ok'), 300);
    } else {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    }
  });
});

afterAll(async () => {
  await receiver.close();
  config.cleanup();
});

const at = (path: string) => `${receiver.url}${path}`;
const cli = (args: string[], options: Parameters<typeof runCli>[1] = {}) => runCli(args, { configDir: config.dir, ...options });

describe('trigger --url', () => {
  it('delivers a signed event', async () => {
    const before = receiver.requests.length;
    const result = await cli(['trigger', 'voucher_redeemed', '--url', at('/hooks'), '--secret', SECRET]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/voucher_redeemed\s+evt_\w+\s+POST http:\/\/127\.0\.0\.1:\d+\/hooks\s+200 OK\s+\d+ ms/);
    expect(result.stderr).toContain('from --secret');
    expect(result.stderr).not.toContain(SECRET);
    const request = receiver.requests[before]!;
    const body = expectSignedDelivery(request);
    expect(body).toMatchObject({ event: 'voucher_redeemed', business_id: 'b_123', voucher: { status: 'redeemed' } });
  });

  it('gives every fire fresh ids', async () => {
    const before = receiver.requests.length;
    await cli(['trigger', 'stamp_added', '--url', at('/a'), '--secret', SECRET]);
    await cli(['trigger', 'stamp_added', '--url', at('/b'), '--secret', SECRET]);
    const [first, second] = receiver.requests.slice(before).map((request) => expectSignedDelivery(request) as { id: string; customer: { id: string }; card: { id: string } });
    expect(first!.id).not.toBe(second!.id);
    expect(first!.customer.id).not.toBe(second!.customer.id);
    expect(first!.card.id).not.toBe(second!.card.id);
  });

  it('applies --set, --unset and --header', async () => {
    const before = receiver.requests.length;
    const result = await cli([
      'trigger', 'birthday', '--url', at('/set'), '--secret', SECRET,
      '--set', 'customer.language=de', '--set', 'card.goal_index=3', '--unset', 'reward',
      '--set', 'extra.flag=true', '--add-missing', '--header', 'X-Test-Run: 42',
    ]);
    expect(result.exitCode).toBe(0);
    const request = receiver.requests[before]!;
    const body = expectSignedDelivery(request) as { event: string; customer: { language: string }; card: { goal_index: number }; extra: { flag: boolean } };
    expect(body.event).toBe('birthday_reached');
    expect(body.customer.language).toBe('de');
    expect(body.card.goal_index).toBe(3);
    expect(body.extra.flag).toBe(true);
    expect(body).not.toHaveProperty('reward');
    expect(request.headers['x-test-run']).toBe('42');
  });

  it('sends --data bytes unchanged', async () => {
    const bytes = Buffer.from('{\n  "id": "evt_fixed",\n  "event": "ping",\n  "note": "Zoë \\u2028 \\/ 🎉"\n}\n', 'utf8');
    const file = join(config.dir, 'body.json');
    writeFileSync(file, bytes);
    const before = receiver.requests.length;
    const fromFile = await cli(['trigger', '--data', `@${file}`, '--url', at('/data'), '--secret', SECRET]);
    const fromStdin = await cli(['trigger', 'ping', '--data', '-', '--url', at('/data'), '--secret', SECRET], { input: bytes });
    expect(fromFile.exitCode).toBe(0);
    expect(fromStdin.exitCode).toBe(0);
    for (const request of receiver.requests.slice(before)) {
      expect(request.body.equals(bytes)).toBe(true);
      expectSignedDelivery(request);
      expect(request.headers['x-7stamp-event-id']).toBe('evt_fixed');
    }
  });

  it('fires 200 distinct events', async () => {
    const before = receiver.requests.length;
    const result = await cli(['trigger', 'ping', '--url', at('/many'), '--secret', SECRET, '--count', '200', '--concurrency', '8']);
    expect(result.exitCode).toBe(0);
    const requests = receiver.requests.slice(before);
    expect(requests).toHaveLength(200);
    const ids = new Set(requests.map((request) => expectSignedDelivery(request).id));
    expect(ids.size).toBe(200);
    expect(new Set(requests.map((request) => request.headers['x-7stamp-delivery-id'])).size).toBe(200);
    expect(result.stdout).toMatch(/sent\s+200 ping deliveries/);
    expect(result.stdout).toMatch(/2xx\s+200/);
    expect(result.stdout).toMatch(/latency\s+p50 .+ p95 .+ p99 .+ max /);
  });

  it('prints NDJSON with --json', async () => {
    const result = await cli(['trigger', 'card_issued', '--url', at('/json'), '--secret', SECRET, '--count', '3', '--concurrency', '2', '--json']);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.type)).toEqual(['ready', 'delivery', 'delivery', 'delivery', 'summary']);
    expect(lines[0]).toMatchObject({ event: 'card_issued', secret_source: '--secret' });
    expect(lines[4]).toMatchObject({ sent: 3, ok_2xx: 3, unexpected: 0 });
    expect(new Set(lines.slice(1, 4).map((line) => line.event_id)).size).toBe(3);
    expect(result.stdout).not.toContain('\x1b[');
  });

  it('reports a redirect as a failure', async () => {
    const result = await cli(['trigger', 'ping', '--url', at('/redirect'), '--secret', SECRET]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('302 Found');
    expect(result.stdout).toContain('redirect to https://app.example.test/webhooks, not followed');
    expectOneLineError(result.stderr.split('\n').slice(1).join('\n'));
  });

  it('exits 1 on a non-2xx status', async () => {
    const result = await cli(['trigger', 'ping', '--url', at('/error'), '--secret', SECRET]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('500 Internal Server Error');
    expect(result.stdout).toContain('handler crashed: no such voucher');
    expect(result.stderr).toContain('did not get a 2xx status');
  });

  it('checks --expect and --max-latency', async () => {
    const rejected = await cli(['trigger', 'ping', '--url', at('/unauthorized'), '--secret', SECRET, '--expect', '401']);
    expect(rejected.exitCode).toBe(0);
    const wrong = await cli(['trigger', 'ping', '--url', at('/hooks'), '--secret', SECRET, '--expect', '4xx']);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain('expected status (4xx)');
    const slow = await cli(['trigger', 'ping', '--url', at('/slow'), '--secret', SECRET, '--max-latency', '100ms']);
    expect(slow.exitCode).toBe(1);
    expect(slow.stderr).toContain('longer than --max-latency 100 ms');
  });

  it('reaches IPv6 and localhost receivers', async () => {
    const ipv6 = await startReceiver(undefined, '::1');
    try {
      for (const url of [`${ipv6.url}/v6`, `http://localhost:${ipv6.port}/v6`]) {
        const result = await cli(['trigger', 'ping', '--url', url, '--secret', SECRET]);
        expect(result.exitCode, url).toBe(0);
      }
      expect(ipv6.requests).toHaveLength(2);
      for (const request of ipv6.requests) expectSignedDelivery(request);
    } finally {
      await ipv6.close();
    }
    const before = receiver.requests.length;
    const viaName = await cli(['trigger', 'ping', '--url', `http://localhost:${receiver.port}/v4`, '--secret', SECRET]);
    expect(viaName.exitCode).toBe(0);
    expect(receiver.requests.length).toBe(before + 1);
  });
});

describe('trigger secrets', () => {
  it('uses STAMP7_WEBHOOK_SECRET', async () => {
    const before = receiver.requests.length;
    const result = await cli(['trigger', 'ping', '--url', at('/env')], { env: { STAMP7_WEBHOOK_SECRET: 'whsec_fromEnvironment' } });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('from STAMP7_WEBHOOK_SECRET');
    expectSignedDelivery(receiver.requests[before]!, 'whsec_fromEnvironment');
  });

  it('creates and reuses a local secret', async () => {
    const local = tempConfigDir();
    try {
      const first = await runCli(['trigger', 'ping', '--url', at('/local')], { configDir: local.dir });
      expect(first.exitCode).toBe(0);
      expect(first.stderr).toContain('created a local webhook secret');
      expect(first.stderr).toContain('from the local secret');
      const printed = await runCli(['trigger', '--print-secret'], { configDir: local.dir });
      const secret = printed.stdout.trim();
      expect(secret).toMatch(/^whsec_/);
      expect(first.stderr).not.toContain(secret);
      expectSignedDelivery(receiver.requests.at(-1)!, secret);

      const second = await runCli(['trigger', 'ping', '--url', at('/local')], { configDir: local.dir });
      expect(second.stderr).not.toContain('created');
      expectSignedDelivery(receiver.requests.at(-1)!, secret);
    } finally {
      local.cleanup();
    }
  });
});

describe('trigger bad input', () => {
  it('lists the catalog', async () => {
    const text = await cli(['trigger', '--list']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout.trim().split('\n')).toHaveLength(14);
    const json = await cli(['trigger', '--list', '--json']);
    const data = (JSON.parse(json.stdout) as { data: Array<{ name: string; aliases: string[] }> }).data;
    expect(data.find((entry) => entry.name === 'birthday_reached')?.aliases).toEqual(['birthday']);
  });

  it('fails each bad input in one line', async () => {
    const refusedPort = await freePort();
    const dataFile = join(config.dir, 'broken.json');
    writeFileSync(dataFile, '{"id": "evt_1", "event": "ping",}');
    const cases: Array<{ args: string[]; exitCode: number; text: string; env?: Record<string, string> }> = [
      { args: ['trigger', 'vouchr_redeemed', '--url', at('/x')], exitCode: 2, text: 'did you mean voucher_redeemed' },
      { args: ['trigger', 'ping', '--url', 'localhost:3000'], exitCode: 2, text: 'invalid --url' },
      { args: ['trigger', 'ping', '--url', 'http://'], exitCode: 2, text: 'invalid --url' },
      { args: ['trigger', 'ping', '--url', `http://127.0.0.1:${refusedPort}/`, '--secret', SECRET], exitCode: 6, text: 'connection refused' },
      { args: ['trigger', '--data', `@${dataFile}`, '--url', at('/x'), '--secret', SECRET], exitCode: 2, text: 'invalid JSON in --data' },
      { args: ['trigger', 'ping', '--url', at('/x'), '--set', 'message'], exitCode: 2, text: 'invalid --set "message"' },
      { args: ['trigger', 'voucher_redeemed', '--url', at('/x'), '--set', 'voucher.stauts=x'], exitCode: 2, text: 'voucher.status' },
      { args: ['trigger', 'ping', '--url', at('/x'), '--secret', ''], exitCode: 2, text: 'secret from --secret is empty' },
      { args: ['trigger', 'ping', '--url', at('/x')], exitCode: 2, text: 'secret from STAMP7_WEBHOOK_SECRET is empty', env: { STAMP7_WEBHOOK_SECRET: '  ' } },
      { args: ['trigger', 'ping', '--url', at('/x'), '--timeout', 'soon'], exitCode: 2, text: 'invalid --timeout "soon"' },
      { args: ['trigger', 'ping', '--url', at('/x'), '--count', '0'], exitCode: 2, text: 'invalid --count' },
    ];
    const results = await Promise.all(cases.map((entry) => cli(entry.args, entry.env ? { env: entry.env } : {})));
    for (const [index, result] of results.entries()) {
      const entry = cases[index]!;
      const name = entry.args.join(' ');
      expect(result.exitCode, name).toBe(entry.exitCode);
      const errorLines = result.stderr.split('\n').filter((line) => !line.startsWith('signing with'));
      expectOneLineError(errorLines.join('\n'));
      expect(result.stderr, name).toContain(entry.text);
    }
  });
});
