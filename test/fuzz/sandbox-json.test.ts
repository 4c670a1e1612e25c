import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { Random, forAllAsync, runSeed } from '../helpers/random.js';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox.js';

/**
 * Sends random and malformed JSON to every sandbox route. Whatever arrives, the sandbox must
 * respond below 500, with `{error:{code,message}}` on failure, and keep running. Every URL the
 * fuzzer can register points at the receiver this test starts on loopback, or cannot parse.
 */

let sandbox: SandboxProcess;
let receiver: Receiver;
const seed = runSeed();

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startSandboxProcess();
});

afterAll(async () => {
  await sandbox?.stop();
  await receiver?.close();
});

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', '', ' ', 'id', 'URL', 'events ', 'a.b'];
const FIELDS = ['url', 'events', 'description', 'enabled', 'type', 'set', 'unset', 'payload', 'add_missing', 'endpoint_id', 'grace_period_seconds', 'device_id'];
const EVENT_NAMES = ['*', 'voucher_redeemed', 'ping', 'birthday', 'constructor', '__proto__', 'VOUCHER_REDEEMED', ''];

/** Returns a URL string that is loopback, or that no URL parser accepts. */
function safeUrl(random: Random): string {
  return random.pick([
    receiver.url,
    `${receiver.url}/hook?x=1`,
    'http://127.0.0.1:1/closed',
    `https://127.0.0.1:${receiver.port}/no-tls`,
    'http://[::1]:1/',
    'http://localhost:1/',
    'ftp://127.0.0.1/',
    'http://user:pw@127.0.0.1:1/',
    `no scheme ${random.unicode(10).replace(/:/g, '')}`,
    '',
    `http://127.0.0.1:1/${'x'.repeat(random.int(0, 3000))}`,
  ]);
}

function randomScalar(random: Random): unknown {
  return random.pick([null, true, false, 0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, '', random.unicode(30), random.pick(EVENT_NAMES), 'x'.repeat(random.int(0, 5000))]);
}

function randomValue(random: Random, depth: number): unknown {
  if (depth <= 0 || random.chance(0.5)) return randomScalar(random);
  if (random.chance(0.4)) return Array.from({ length: random.int(0, 4) }, () => randomValue(random, depth - 1));
  const object: Record<string, unknown> = {};
  for (let index = random.int(0, 4); index > 0; index--) {
    object[random.chance(0.7) ? random.pick(FIELDS) : random.pick(HOSTILE_KEYS)] = randomValue(random, depth - 1);
  }
  return object;
}

/** JSON text nested `depth` objects deep, built as text because JSON.stringify overflows the stack on it. */
function nestedJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Returns a value shaped for its field most of the time, so requests get past the first check. */
function fieldValue(random: Random, field: string): unknown {
  if (random.chance(0.3)) return randomValue(random, 2);
  switch (field) {
    case 'url':
      return safeUrl(random);
    case 'events':
      return Array.from({ length: random.int(0, 3) }, () => random.pick(EVENT_NAMES));
    case 'type':
      return random.pick(EVENT_NAMES);
    case 'set':
      return { [random.pick(['voucher.status', 'customer.language', '__proto__.x', 'card', 'a..b', 'customer.__proto__'])]: randomValue(random, 2) };
    case 'unset':
      return [random.pick(['voucher', 'customer.language', 'nope', '__proto__', ''])];
    case 'payload':
      return { event: random.pick(EVENT_NAMES), id: random.unicode(5), extra: randomValue(random, 3) };
    case 'grace_period_seconds':
      return random.pick([0, 1, 86_400, -1, 1e12, 0.5]);
    default:
      return randomScalar(random);
  }
}

function randomBody(random: Random, fields: readonly string[]): string | undefined {
  const kind = random.int(0, 9);
  if (kind === 0) return undefined;
  if (kind === 1) return random.pick(['{', '{"a":', '[1,2', 'null', '""', '1', '[]', '{"a":1}garbage', '\ufeff{}', '{"a":1,"a":2}', random.unicode(50)]);
  if (kind === 2) return JSON.stringify(randomValue(random, 4));
  if (kind === 3) return `${'['.repeat(random.int(1_000, 100_000))}${']'.repeat(random.int(0, 100_000))}`;
  if (kind === 4) return `{"type":"card_issued","payload":{"event":"card_issued","deep":${nestedJson(random.int(100, 50_000))}}}`;
  const body: Record<string, unknown> = {};
  for (let index = random.int(0, 4); index > 0; index--) {
    // Mostly the route's own fields, so requests get past the unknown-field check.
    const field = random.chance(0.85) && fields.length > 0 ? random.pick(fields) : random.chance(0.5) ? random.pick(FIELDS) : random.pick(HOSTILE_KEYS);
    body[field] = fieldValue(random, field);
  }
  return JSON.stringify(body);
}

interface Known {
  endpoints: string[];
  events: string[];
  deliveries: string[];
  sessions: string[];
}

/** Percent-encodes text, replacing lone surrogates that encodeURIComponent rejects. */
function encode(text: string): string {
  // String.prototype.toWellFormed is in Node.js 20; TypeScript's ES2023 lib does not declare it.
  return encodeURIComponent((text as string & { toWellFormed(): string }).toWellFormed());
}

function randomId(random: Random, ids: string[], prefix: string): string {
  if (ids.length > 0 && random.chance(0.6)) return random.pick(ids);
  return random.pick([`${prefix}_missing`, '%E0%A4%A', '%00', '..', encode(random.unicode(8)), 'x'.repeat(random.int(1, 3000))]);
}

function randomRequest(random: Random, known: Known): { method: string; path: string; fields: string[] } {
  const endpoint = randomId(random, known.endpoints, 'we');
  const event = randomId(random, known.events, 'evt');
  const endpointFields = ['url', 'events', 'description'];
  const eventFields = ['type', 'set', 'unset', 'payload', 'add_missing'];
  const routes: Array<[string, string, string[]]> = [
    ['POST', '/v1/webhook_endpoints', endpointFields],
    ['POST', '/v1/webhook_endpoints', endpointFields],
    ['PATCH', `/v1/webhook_endpoints/${endpoint}`, [...endpointFields, 'enabled']],
    ['POST', `/v1/webhook_endpoints/${endpoint}/rotate_secret`, ['grace_period_seconds']],
    ['POST', `/v1/webhook_endpoints/${endpoint}/ping`, []],
    ['DELETE', `/v1/webhook_endpoints/${endpoint}`, []],
    ['GET', `/v1/webhook_endpoints?limit=${random.pick(['0', '1', '101', '-1', 'x', '1e2'])}&cursor=${encode(random.unicode(6))}`, []],
    ['POST', '/v1/events', eventFields],
    ['POST', '/v1/events', eventFields],
    ['POST', '/v1/events', eventFields],
    ['POST', `/v1/events/${event}/resend`, ['endpoint_id']],
    ['GET', `/v1/events?since=${encode(random.unicode(8))}&type=${random.pick(EVENT_NAMES)}`, []],
    ['GET', `/v1/deliveries/${randomId(random, known.deliveries, 'dlv')}`, []],
    ['GET', `/v1/deliveries?status=${random.pick(['ok', 'pending', 'nope', ''])}`, []],
    ['POST', '/v1/listen_sessions', ['events', 'device_id']],
    ['POST', `/v1/listen_sessions/${randomId(random, known.sessions, 'ls')}/token`, []],
    ['DELETE', `/v1/listen_sessions/${randomId(random, known.sessions, 'ls')}`, []],
    [random.pick(['PUT', 'PATCH', 'DELETE', 'OPTIONS']), '/v1/events', []],
    ['GET', `/v1/${encode(random.unicode(6))}`, []],
  ];
  const [method, path, fields] = random.pick(routes);
  return { method, path, fields };
}

function remember(known: Known, path: string, body: unknown): void {
  const record = body as Record<string, unknown> | null;
  if (record === null || typeof record !== 'object' || typeof record.id !== 'string') return;
  if (path === '/v1/webhook_endpoints') known.endpoints.push(record.id);
  if (path === '/v1/events') {
    known.events.push(record.id);
    for (const delivery of (record.deliveries as Array<{ id: string }> | undefined) ?? []) known.deliveries.push(delivery.id);
  }
  if (path === '/v1/listen_sessions') known.sessions.push(record.id);
}

describe('sandbox JSON inputs', () => {
  it('handles random bodies without a 5xx', async () => {
    const known: Known = { endpoints: [], events: [], deliveries: [], sessions: [] };
    const statuses = new Map<number, number>();

    await forAllAsync(
      1_500,
      async (random) => {
        const { method, path, fields } = randomRequest(random, known);
        const body = method === 'GET' || method === 'DELETE' || method === 'OPTIONS' ? undefined : randomBody(random, fields);
        const headers: Record<string, string> = { authorization: `Bearer ${sandbox.apiKey}` };
        if (random.chance(0.8)) headers['content-type'] = random.pick(['application/json', 'text/plain', 'application/json; charset=latin1']);
        const context = `${method} ${path.slice(0, 120)} ${String(body).slice(0, 200)}`;

        const response = await fetch(`${sandbox.url}${path}`, { method, headers, body });
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status, context).toBeLessThan(500);
        const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
        if (response.status >= 400) {
          expect(typeof parsed.error?.code, `${context} -> ${text.slice(0, 300)}`).toBe('string');
          expect(typeof parsed.error?.message, `${context} -> ${text.slice(0, 300)}`).toBe('string');
        } else {
          remember(known, path, parsed);
        }
      },
      seed,
    );

    expect(statuses.get(200) ?? 0 + (statuses.get(201) ?? 0), 'some requests succeeded').toBeGreaterThan(0);
    expect(sandbox.output().stderr, 'the sandbox logged an internal fault').not.toMatch(/failed to handle|^\s+at /m);
    const health = await fetch(`${sandbox.url}/v1/health`);
    expect(health.status).toBe(200);
  }, 120_000);

  it('rejects deep nesting with a 400', async () => {
    for (const depth of [65, 5_000, 100_000]) {
      const body = `{"type":"card_issued","payload":{"event":"card_issued","deep":${nestedJson(depth)}}}`;
      const response = await fetch(`${sandbox.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' }, body });
      expect(response.status, `depth ${depth}`).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message, `depth ${depth}`).toContain('64 levels');
    }
    const shallow = `{"type":"card_issued","payload":{"event":"card_issued","deep":${nestedJson(60)}}}`;
    const accepted = await fetch(`${sandbox.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' }, body: shallow });
    expect(accepted.status).toBe(201);
  });

  it('rejects malformed auth with a 401 body', async () => {
    const random = new Random(seed);
    for (let index = 0; index < 200; index++) {
      const header = random.pick(['', 'Bearer', 'Bearer ', `Bearer ${sandbox.apiKey}x`, `bearer ${sandbox.apiKey.slice(0, -1)}`, `Basic ${sandbox.apiKey}`, `Bearer 7loc_sc_${random.unicode(40)}`, random.unicode(60)]);
      let response: Response;
      try {
        response = await fetch(`${sandbox.url}/v1/account`, { headers: header === '' ? {} : { authorization: header } });
      } catch {
        // fetch itself rejects header values with control characters; nothing reached the sandbox.
        continue;
      }
      expect(response.status, JSON.stringify(header)).toBe(401);
      const parsed = (await response.json()) as { error: { code: string; message: string } };
      expect(parsed.error.code).toBe('unauthorized');
      expect(parsed.error.message).not.toContain(sandbox.apiKey);
    }
  });
});

describe('listen relay frames', () => {
  it('survives random outcome frames', async () => {
    const { WebSocket } = await import('ws');
    const random = new Random(seed);
    const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${sandbox.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      expect(response.status, `${method} ${path} -> ${text.slice(0, 300)}`).toBeLessThan(500);
      return JSON.parse(text) as T;
    };
    const session = await call<{ id: string; ws_url: string; token: string }>('POST', '/v1/listen_sessions', { events: ['stamp_added'] });

    const deliveryIds: string[] = [];
    const socket = new WebSocket(session.ws_url, { headers: { authorization: `Bearer ${session.token}` } });
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; delivery_id?: string };
      if (frame.type === 'delivery' && frame.delivery_id) deliveryIds.push(frame.delivery_id);
    });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('open', resolve));
    for (let index = 0; index < 20; index++) await call('POST', '/v1/events', { type: 'stamp_added' });
    const deadline = Date.now() + 10_000;
    while (deliveryIds.length < 20 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));

    const hostileNumbers = [1e308, -1, Number.MAX_SAFE_INTEGER, 8.64e15, 0.5, 99, 600, 200];
    for (let index = 0; index < 400 && socket.readyState === WebSocket.OPEN; index++) {
      const kind = random.int(0, 3);
      if (kind === 0) {
        socket.send(random.pick(['', '{', 'null', '[]', '{"type":1}', '{"type":"outcome"}', random.unicode(40), '{"type":"delivery","delivery_id":"x"}']));
      } else if (kind === 1) {
        socket.send(random.bytes(random.int(0, 64)));
      } else {
        const frame: Record<string, unknown> = {
          type: 'outcome',
          delivery_id: deliveryIds.length > 0 && random.chance(0.7) ? random.pick(deliveryIds) : random.unicode(10),
          status_code: random.pick([200, 500, null, 99, 600, 200.5, '200', ...hostileNumbers]),
          duration_ms: random.pick([0, 12, ...hostileNumbers, '5', null]),
          error: random.pick([null, 'boom', 42, random.unicode(20), 'x'.repeat(10_000)]),
          response_snippet: random.pick(['', 'ok', 'x'.repeat(random.int(0, 10_000)), 7]),
        };
        if (random.chance(0.2)) frame[random.pick(HOSTILE_KEYS)] = randomValue(random, 2);
        socket.send(JSON.stringify(frame));
      }
    }
    socket.close();

    // Every delivery the hostile client touched is still readable, and the sandbox still works.
    for (const id of deliveryIds) await call('GET', `/v1/deliveries/${id}`);
    await call('GET', '/v1/deliveries?limit=100');
    expect((await fetch(`${sandbox.url}/v1/health`)).status).toBe(200);
    expect(sandbox.output().stderr, 'no stack trace in the sandbox log').not.toMatch(/^\s+at /m);

    // Malformed outcomes are logged once and counted, so a bad client cannot flood the log.
    const malformedLines = (): string[] => sandbox.output().stderr.split('\n').filter((line) => line.includes('malformed outcome'));
    const deadlineMs = Date.now() + 5_000;
    while (!malformedLines().some((line) => / ignored \d+ malformed outcomes/.test(line)) && Date.now() < deadlineMs) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(malformedLines().length).toBeLessThanOrEqual(2);
    expect(malformedLines().join('\n')).toMatch(/ignored \d+ malformed outcomes on the connection that closed/);
  });
});
