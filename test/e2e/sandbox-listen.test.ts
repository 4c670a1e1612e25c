import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { verifySignature } from '../../src/signing/index.js';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox.js';

let sandbox: SandboxProcess;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  sandbox = await startSandboxProcess({ timeScale: 1000, extraArgs: ['--test-hooks'] });
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.terminate();
});

afterAll(async () => {
  await sandbox?.stop();
});

async function call(method: string, path: string, body?: unknown, target: SandboxProcess = sandbox): Promise<any> {
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

interface Client {
  socket: WebSocket;
  messages: any[];
  closed: Promise<{ code: number }>;
  next(predicate: (message: any) => boolean, timeoutMs?: number): Promise<any>;
}

function connect(url: string, token: string | undefined): Promise<Client> {
  const socket = new WebSocket(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  sockets.push(socket);
  const messages: any[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()));
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number }>((resolve) => socket.on('close', (code) => resolve({ code })));
  let cursor = 0;
  const client: Client = {
    socket,
    messages,
    closed,
    // Returns the next unread message that matches, in arrival order.
    next(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`)), timeoutMs);
        const look = (): void => {
          for (; cursor < messages.length; cursor++) {
            if (predicate(messages[cursor])) {
              clearTimeout(timer);
              resolve(messages[cursor++]);
              return;
            }
          }
          waiters.push(look);
        };
        look();
      });
    },
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('error', reject);
  });
}

const isDelivery = (message: any): boolean => message.type === 'delivery';

function answer(client: Client, deliveryId: string, statusCode: number): void {
  client.socket.send(JSON.stringify({ type: 'outcome', delivery_id: deliveryId, status_code: statusCode, duration_ms: 3, error: null, response_snippet: `status ${statusCode}` }));
}

async function waitForStatus(deliveryId: string, status: string): Promise<any> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const delivery = await call('GET', `/v1/deliveries/${deliveryId}`);
    if (delivery.status === status) return delivery;
    if (Date.now() > deadline) throw new Error(`delivery ${deliveryId} is ${delivery.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('listen relay', () => {
  it('delivers signed, records outcomes and retries failures', async () => {
    const session = await call('POST', '/v1/listen_sessions', { events: ['card_issued', 'card_saved'], device_id: 'dev_relay' });
    const client = await connect(session.ws_url, session.token);
    const ready = await client.next((message) => message.type === 'ready');
    expect(ready).toMatchObject({ protocol: 1, session_id: session.id, resumed: false, replay_count: 0 });

    const event = await call('POST', '/v1/events', { type: 'card_issued' });
    await call('POST', '/v1/events', { type: 'voucher_issued' });
    const delivery = await client.next(isDelivery);
    expect(delivery).toMatchObject({ event_id: event.id, event_type: 'card_issued', attempt: 1, replay: false });
    const body = Buffer.from(delivery.body_base64, 'base64');
    expect(JSON.parse(body.toString('utf8'))).toEqual(event.payload);
    expect(delivery.headers['x-7stamp-delivery-id']).toBe(delivery.delivery_id);
    expect(verifySignature({ body, header: delivery.headers['x-7stamp-signature'], secret: session.secret }).ok).toBe(true);

    answer(client, delivery.delivery_id, 200);
    const settled = await waitForStatus(delivery.delivery_id, 'ok');
    expect(settled.listen_session_id).toBe(session.id);
    expect(settled.attempts).toHaveLength(1);
    expect(settled.attempts[0].response_snippet).toBe('status 200');

    const failing = await call('POST', '/v1/events', { type: 'card_saved' });
    const firstTry = await client.next(isDelivery);
    expect(firstTry.event_id).toBe(failing.id);
    answer(client, firstTry.delivery_id, 500);
    const retry = await client.next(isDelivery);
    expect(retry).toMatchObject({ delivery_id: firstTry.delivery_id, attempt: 2 });
    answer(client, retry.delivery_id, 204);
    const retried = await waitForStatus(retry.delivery_id, 'ok');
    expect(retried.attempts.map((attempt: { status_code: number }) => attempt.status_code)).toEqual([500, 204]);
    expect(client.messages.filter(isDelivery).every((message) => message.event_type !== 'voucher_issued')).toBe(true);
  });

  it('replays unanswered and missed deliveries in order', async () => {
    const session = await call('POST', '/v1/listen_sessions', { events: ['stamp_added'] });
    const first = await connect(session.ws_url, session.token);
    await first.next((message) => message.type === 'ready');
    const unanswered = await call('POST', '/v1/events', { type: 'stamp_added' });
    const sent = await first.next(isDelivery);
    expect(sent.event_id).toBe(unanswered.id);

    const dropped = await call('POST', '/v1/_test/drop_listen_connections');
    expect(dropped.dropped).toBeGreaterThanOrEqual(1);
    expect((await first.closed).code).toBe(1006);
    const missed = await call('POST', '/v1/events', { type: 'stamp_added' });

    const second = await connect(session.ws_url, session.token);
    const ready = await second.next((message) => message.type === 'ready');
    expect(ready).toMatchObject({ resumed: true, replay_count: 2 });
    const replayOne = await second.next(isDelivery);
    const replayTwo = await second.next(isDelivery);
    expect([replayOne.event_id, replayTwo.event_id]).toEqual([unanswered.id, missed.id]);
    expect(replayOne).toMatchObject({ delivery_id: sent.delivery_id, attempt: 1, replay: true });
    expect(replayTwo.replay).toBe(true);
  });

  it('closes with 4001, 4004 and 4009', async () => {
    const session = await call('POST', '/v1/listen_sessions', {});
    const noToken = await connect(session.ws_url, undefined);
    expect((await noToken.closed).code).toBe(4001);
    const wrongToken = await connect(session.ws_url, 'lst_wrong');
    expect((await wrongToken.closed).code).toBe(4001);
    const unknown = await connect(session.ws_url.replace(session.id, 'ls_missing'), session.token);
    expect((await unknown.closed).code).toBe(4004);
    expect(unknown.messages[0]).toMatchObject({ type: 'error', code: 'session_not_found' });

    const first = await connect(session.ws_url, session.token);
    await first.next((message) => message.type === 'ready');
    const second = await connect(session.ws_url, session.token);
    await second.next((message) => message.type === 'ready');
    expect((await first.closed).code).toBe(4009);

    await call('DELETE', `/v1/listen_sessions/${session.id}`);
    expect((await second.closed).code).toBe(1000);
  });

  it('rejects upgrades on other paths', async () => {
    const base = sandbox.url.replace('http', 'ws');
    for (const path of ['/v1/other/ws', '/v1/listen_sessions/%zz/ws']) {
      await expect(connect(`${base}${path}`, 'lst_x'), path).rejects.toThrow();
    }
    expect((await fetch(`${sandbox.url}/v1/health`)).status).toBe(200);
  });

  it('keeps a session and its unanswered deliveries across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stamp7-listen-data-'));
    const first = await startSandboxProcess({ dataDir });
    let second: SandboxProcess | undefined;
    try {
      const session = await call('POST', '/v1/listen_sessions', { device_id: 'dev_restart' }, first);
      const client = await connect(session.ws_url, session.token);
      await client.next((message) => message.type === 'ready');
      const event = await call('POST', '/v1/events', { type: 'goal_reached' }, first);
      await client.next(isDelivery);
      await first.stop('SIGTERM');

      second = await startSandboxProcess({ dataDir });
      const wsUrl = `${second.url.replace('http', 'ws')}/v1/listen_sessions/${session.id}/ws`;
      const again = await connect(wsUrl, session.token);
      expect(await again.next((message) => message.type === 'ready')).toMatchObject({ resumed: true, replay_count: 1 });
      const replay = await again.next(isDelivery);
      expect(replay).toMatchObject({ event_id: event.id, replay: true, attempt: 1 });
      const reopened = await call('POST', '/v1/listen_sessions', { device_id: 'dev_restart' }, second);
      expect(reopened.secret).toBe(session.secret);
    } finally {
      await first.stop();
      await second?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
