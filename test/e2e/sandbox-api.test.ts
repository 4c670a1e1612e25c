import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/signing/index.js';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox.js';

let sandbox: SandboxProcess;
let receiver: Receiver;

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function api(method: string, path: string, body?: unknown, key: string | null = sandbox.apiKey): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  // A string body goes out as is, so tests can send malformed JSON.
  let payload: string | undefined;
  if (typeof body === 'string') payload = body;
  else if (body !== undefined) payload = JSON.stringify(body);
  const response = await fetch(`${sandbox.url}${path}`, { method, headers, body: payload });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startSandboxProcess({ extraArgs: ['--test-hooks'] });
});

afterAll(async () => {
  await sandbox?.stop();
  await receiver?.close();
});

describe('sandbox start', () => {
  it('records the sandbox profile', () => {
    const config = JSON.parse(readFileSync(join(sandbox.configDir, 'config.json'), 'utf8'));
    expect(config.profiles.sandbox.api_key).toBe(sandbox.apiKey);
    expect(config.profiles.sandbox.api_base).toBe(sandbox.url);
  });

  it('logs the key masked only', () => {
    const { stderr } = sandbox.output();
    expect(stderr).toContain('sandbox listening on');
    expect(stderr).not.toContain(sandbox.apiKey);
    expect(sandbox.apiKey).toMatch(/^7loc_sc_[A-Za-z0-9_-]{16,}$/);
  });
});

describe('sandbox flags', () => {
  it('rejects invalid flag values with exit code 2', async () => {
    const config = tempConfigDir();
    try {
      const cases: Array<[string[], string]> = [
        [['--port', '70000'], 'invalid port'],
        [['--port', 'abc'], 'invalid --port'],
        [['--time-scale', '0'], 'invalid time scale'],
        [['--api-key', '7loc_sc_short'], 'invalid sandbox API key'],
        [['--retention', '0'], 'invalid retention'],
      ];
      for (const [args, message] of cases) {
        const result = await runCli(['sandbox', '--ephemeral', ...args], { configDir: config.dir });
        expect(result.exitCode, args.join(' ')).toBe(2);
        expect(result.stderr, args.join(' ')).toContain(message);
      }
    } finally {
      config.cleanup();
    }
  });
});

describe('authentication and errors', () => {
  it('health needs no key', async () => {
    const answer = await api('GET', '/v1/health', undefined, null);
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('ok');
  });

  it('rejects a missing, malformed or wrong key', async () => {
    for (const key of [null, 'nope', '7loc_sc_wrongwrongwrongwrong']) {
      const answer = await api('GET', '/v1/account', undefined, key);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthorized');
    }
  });

  it('returns 404 for unknown routes and ids', async () => {
    const route = await api('GET', '/v1/nothing');
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe('not_found');
    for (const path of ['/v1/webhook_endpoints/we_missing', '/v1/events/evt_missing', '/v1/deliveries/dlv_missing']) {
      const answer = await api('GET', path);
      expect(answer.status, path).toBe(404);
      expect(answer.body.error.message).toContain('_missing');
    }
  });

  it('returns 405 with Allow for a wrong method', async () => {
    const answer = await api('PUT', '/v1/webhook_endpoints');
    expect(answer.status).toBe(405);
    expect(answer.body.error.code).toBe('method_not_allowed');
    expect(answer.headers.get('allow')).toBe('GET, POST');
  });

  it('returns 400 for malformed JSON', async () => {
    const answer = await api('POST', '/v1/webhook_endpoints', '{"url": ');
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_request');
  });

  it('names the field of unknown fields and wrong types', async () => {
    const cases: Array<[unknown, string]> = [
      [{ url: 'https://example.com/h', colour: 'red' }, 'colour'],
      [{ url: 42 }, 'url'],
      [{ url: 'https://example.com/h', events: 'voucher_redeemed' }, 'events'],
      [{ url: 'https://example.com/h', events: ['voucher_redeemd'] }, 'events'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'http://example.com/h' }, 'url'],
      [{ url: 'https://example.com/h', description: 5 }, 'description'],
      [[1, 2], undefined as unknown as string],
    ];
    for (const [body, field] of cases) {
      const answer = await api('POST', '/v1/webhook_endpoints', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.field, JSON.stringify(body)).toBe(field);
    }
  });

  it('rejects unknown query parameters and bad limits', async () => {
    const unknown = await api('GET', '/v1/events?colour=red');
    expect(unknown.body.error.field).toBe('colour');
    const limit = await api('GET', '/v1/events?limit=1000');
    expect(limit.status).toBe(400);
    expect(limit.body.error.field).toBe('limit');
    const cursor = await api('GET', '/v1/events?cursor=garbage');
    expect(cursor.body.error.field).toBe('cursor');
  });

  it('returns 413 for a body over 1 MiB', async () => {
    const big = JSON.stringify({ type: 'ping', payload: { event: 'ping', filler: 'x'.repeat(1024 * 1024) } });
    const answer = await api('POST', '/v1/events', big);
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('payload_too_large');
  });

  it('survives a garbage request line', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = httpRequest(`${sandbox.url}/v1/%zz%`, { method: 'GET' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
    expect([400, 404]).toContain(status);
    expect((await api('GET', '/v1/health')).status).toBe(200);
  });
});

describe('account and event types', () => {
  it('returns the sandbox account', async () => {
    const answer = await api('GET', '/v1/account');
    expect(answer.status).toBe(200);
    expect(answer.body.mode).toBe('sandbox');
    expect(answer.body.id).toMatch(/^acct_/);
  });

  it('lists every event type with a description', async () => {
    const answer = await api('GET', '/v1/event_types');
    const names = answer.body.data.map((type: { name: string }) => type.name);
    expect(names).toContain('voucher_redeemed');
    expect(names).toContain('ping');
    expect(answer.body.data.every((type: { description: string }) => type.description.length > 0)).toBe(true);
  });
});

describe('endpoint life cycle', () => {
  it('creates, lists, updates, rotates, pings and deletes', async () => {
    const created = await api('POST', '/v1/webhook_endpoints', { url: `${receiver.url}/hook`, events: ['voucher_redeemed'], description: 'crm' });
    expect(created.status).toBe(201);
    const endpoint = created.body;
    expect(endpoint.id).toMatch(/^we_/);
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(endpoint.secret_hint).toBe(`whsec_****${endpoint.secret.slice(-4)}`);

    const fetched = await api('GET', `/v1/webhook_endpoints/${endpoint.id}`);
    expect(fetched.body.secret).toBeUndefined();
    expect(fetched.body.events).toEqual(['voucher_redeemed']);

    const updated = await api('PATCH', `/v1/webhook_endpoints/${endpoint.id}`, { events: ['*'], description: 'all' });
    expect(updated.body.events).toEqual(['*']);
    expect(updated.body.description).toBe('all');
    const badUpdate = await api('PATCH', `/v1/webhook_endpoints/${endpoint.id}`, { enabled: 'no' });
    expect(badUpdate.body.error.field).toBe('enabled');

    const rotated = await api('POST', `/v1/webhook_endpoints/${endpoint.id}/rotate_secret`, { grace_period_seconds: 600 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const secrets = await api('GET', `/v1/webhook_endpoints/${endpoint.id}/secret`);
    expect(secrets.body.secret).toBe(rotated.body.secret);
    expect(secrets.body.previous_secrets.map((previous: { secret: string }) => previous.secret)).toEqual([endpoint.secret]);

    const before = receiver.requests.length;
    const pinged = await api('POST', `/v1/webhook_endpoints/${endpoint.id}/ping`);
    expect(pinged.status).toBe(200);
    expect(pinged.body.event.type).toBe('ping');
    expect(pinged.body.delivery.status).toBe('ok');
    expect(pinged.body.delivery.attempts).toHaveLength(1);
    const request = receiver.requests[before]!;
    expect(request.headers['x-7stamp-event']).toBe('ping');
    const header = String(request.headers['x-7stamp-signature']);
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(verifySignature({ body: request.body, header, secret: rotated.body.secret }).ok).toBe(true);
    expect(verifySignature({ body: request.body, header, secret: endpoint.secret }).ok).toBe(true);

    const deleted = await api('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
    expect(deleted.body).toEqual({ id: endpoint.id, deleted: true });
    expect((await api('GET', `/v1/webhook_endpoints/${endpoint.id}`)).status).toBe(404);
  });

  it('accepts loopback http and pages the list', async () => {
    const ids: string[] = [];
    for (const host of ['localhost', '127.0.0.2', '[::1]']) {
      const answer = await api('POST', '/v1/webhook_endpoints', { url: `http://${host}:9/x` });
      expect(answer.status, host).toBe(201);
      ids.push(answer.body.id);
    }
    const first = await api('GET', '/v1/webhook_endpoints?limit=2');
    expect(first.body.data.map((endpoint: { id: string }) => endpoint.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.has_more).toBe(true);
    const second = await api('GET', `/v1/webhook_endpoints?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.data[0].id).toBe(ids[0]);
    for (const id of ids) await api('DELETE', `/v1/webhook_endpoints/${id}`);
  });
});

describe('events and deliveries', () => {
  it('creates an event with overrides and delivers it signed', async () => {
    const endpoint = (await api('POST', '/v1/webhook_endpoints', { url: `${receiver.url}/events`, events: ['voucher_redeemed'] })).body;
    const before = receiver.requests.length;
    const created = await api('POST', '/v1/events', { type: 'voucher_redeemed', set: { 'voucher.redeem_code': 'E2E' }, unset: ['location_id'] });
    expect(created.status).toBe(201);
    expect(created.body.payload.voucher.redeem_code).toBe('E2E');
    expect(created.body.payload.location_id).toBeUndefined();
    expect(created.body.deliveries).toHaveLength(1);

    const [request] = (await receiver.waitFor(before + 1)).slice(before);
    expect(request!.url).toBe('/events');
    expect(request!.headers['x-7stamp-event-id']).toBe(created.body.id);
    expect(request!.headers['x-7stamp-delivery-id']).toBe(created.body.deliveries[0].id);
    expect(request!.headers['x-7stamp-attempt']).toBe('1');
    expect(request!.headers['user-agent']).toBe('7stamp-Webhooks/1.0');
    expect(JSON.parse(request!.body.toString('utf8'))).toEqual(created.body.payload);
    expect(verifySignature({ body: request!.body, header: request!.headers['x-7stamp-signature'], secret: endpoint.secret }).ok).toBe(true);

    const fetched = await api('GET', `/v1/events/${created.body.id}`);
    expect(fetched.body.payload).toEqual(created.body.payload);
    const listed = await api('GET', '/v1/events?type=voucher_redeemed&limit=1');
    expect(listed.body.data[0].id).toBe(created.body.id);
    const none = await api('GET', '/v1/events?type=voucher_redeemed&until=1000');
    expect(none.body.data).toEqual([]);

    const resent = await api('POST', `/v1/events/${created.body.id}/resend`, { endpoint_id: endpoint.id });
    expect(resent.body.deliveries).toHaveLength(1);
    expect(resent.body.deliveries[0].id).not.toBe(created.body.deliveries[0].id);
    await receiver.waitFor(before + 2);
    const missingEndpoint = await api('POST', `/v1/events/${created.body.id}/resend`, { endpoint_id: 'we_missing' });
    expect(missingEndpoint.status).toBe(404);

    const deliveries = await api('GET', `/v1/deliveries?event_id=${created.body.id}`);
    expect(deliveries.body.data).toHaveLength(2);
    const byEndpoint = await api('GET', `/v1/deliveries?endpoint_id=${endpoint.id}&status=ok`);
    expect(byEndpoint.body.data.length).toBeGreaterThanOrEqual(1);
    const detail = await api('GET', `/v1/deliveries/${created.body.deliveries[0].id}`);
    expect(detail.body.attempts[0].status_code).toBe(200);
    expect(detail.body.attempts[0].response_snippet).toBe('{"received":true}');
    await api('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
  });

  it('rejects bad event input with the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'type'],
      [{ type: 'voucher_redeemd' }, 'type'],
      [{ type: 'voucher_redeemed', set: { 'voucher.nope': 1 } }, 'set'],
      [{ type: 'voucher_redeemed', unset: ['nope'] }, 'unset'],
      [{ type: 'voucher_redeemed', set: [1] }, 'set'],
      [{ type: 'ping', payload: { event: 'card_issued' } }, 'payload'],
      [{ type: 'ping', payload: { event: 'ping' }, set: { a: 1 } }, 'payload'],
      [{ type: 'ping', extra: true }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const answer = await api('POST', '/v1/events', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.field, JSON.stringify(body)).toBe(field);
    }
    const added = await api('POST', '/v1/events', { type: 'voucher_redeemed', set: { 'voucher.note': 'x' }, add_missing: true });
    expect(added.body.payload.voucher.note).toBe('x');
  });

  it('uses a whole payload with a fresh id', async () => {
    const answer = await api('POST', '/v1/events', { type: 'ping', payload: { id: 'evt_mine', event: 'ping', custom: [1, 2] } });
    expect(answer.status).toBe(201);
    expect(answer.body.payload.custom).toEqual([1, 2]);
    expect(answer.body.payload.id).toBe(answer.body.id);
    expect(answer.body.id).not.toBe('evt_mine');
  });
});

describe('listen sessions and test hooks', () => {
  it('opens, refreshes and closes a session', async () => {
    const opened = await api('POST', '/v1/listen_sessions', { events: ['card_issued'], device_id: 'dev_test' });
    expect(opened.status).toBe(201);
    expect(opened.body.ws_url).toBe(`${sandbox.url.replace('http', 'ws')}/v1/listen_sessions/${opened.body.id}/ws`);
    expect(opened.body.token).toMatch(/^lst_/);
    const again = await api('POST', '/v1/listen_sessions', { device_id: 'dev_test' });
    expect(again.body.secret).toBe(opened.body.secret);
    const other = await api('POST', '/v1/listen_sessions', { device_id: 'dev_other' });
    expect(other.body.secret).not.toBe(opened.body.secret);

    const token = await api('POST', `/v1/listen_sessions/${opened.body.id}/token`);
    expect(token.body.token).not.toBe(opened.body.token);
    const bad = await api('POST', '/v1/listen_sessions', { events: ['nope'] });
    expect(bad.body.error.field).toBe('events');
    for (const session of [opened.body, again.body, other.body]) {
      expect((await api('DELETE', `/v1/listen_sessions/${session.id}`)).status).toBe(200);
    }
    expect((await api('DELETE', `/v1/listen_sessions/${opened.body.id}`)).status).toBe(404);
  });

  it('serves the drop hook with --test-hooks', async () => {
    const answer = await api('POST', '/v1/_test/drop_listen_connections');
    expect(answer.status).toBe(200);
    expect(answer.body.dropped).toBe(0);
  });
});
