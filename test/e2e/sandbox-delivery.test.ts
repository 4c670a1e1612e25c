import { mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.js';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox.js';

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sandboxFor(options: Parameters<typeof startSandboxProcess>[0]): Promise<SandboxProcess> {
  const sandbox = await startSandboxProcess(options);
  cleanups.push(() => sandbox.stop());
  return sandbox;
}

async function receiverWith(responder?: (request: ReceivedRequest, response: ServerResponse) => void): Promise<Receiver> {
  const receiver = await startReceiver(responder);
  cleanups.push(() => receiver.close());
  return receiver;
}

function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stamp7-sandbox-data-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function call(sandbox: SandboxProcess, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

async function waitUntil<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function attemptsOf(requests: ReceivedRequest[], deliveryId: string): ReceivedRequest[] {
  return requests.filter((request) => request.headers['x-7stamp-delivery-id'] === deliveryId);
}

describe('retries', () => {
  it('spaces attempts on the scaled schedule until success', async () => {
    const failures = new Map<string, number>();
    const receiver = await receiverWith((request, response) => {
      const id = String(request.headers['x-7stamp-delivery-id']);
      const seen = (failures.get(id) ?? 0) + 1;
      failures.set(id, seen);
      response.writeHead(seen <= 4 ? 500 : 200).end(seen <= 4 ? 'not yet' : 'ok');
    });
    // At 1000x the delays after attempts 1 to 4 are 10, 60, 300 and 1800 ms, each ±20%.
    const sandbox = await sandboxFor({ timeScale: 1000 });
    await call(sandbox, 'POST', '/v1/webhook_endpoints', { url: `${receiver.url}/flaky` });
    const event = await call(sandbox, 'POST', '/v1/events', { type: 'stamp_added' });
    const deliveryId = event.deliveries[0].id;

    const requests = attemptsOf(await receiver.waitFor(5, 10_000), deliveryId);
    expect(requests.map((request) => request.headers['x-7stamp-attempt'])).toEqual(['1', '2', '3', '4', '5']);
    const gaps = requests.slice(1).map((request, index) => request.receivedAtMs - requests[index]!.receivedAtMs);
    const nominal = [10, 60, 300, 1800];
    gaps.forEach((gap, index) => {
      expect(gap, `gap ${index + 1}`).toBeGreaterThanOrEqual(nominal[index]! * 0.8 - 5);
      expect(gap, `gap ${index + 1}`).toBeLessThanOrEqual(nominal[index]! * 1.2 + 100);
    });
    expect(gaps[3]! / gaps[2]!).toBeGreaterThan(3);
    expect(gaps[2]! / gaps[1]!).toBeGreaterThan(2.5);

    // Each attempt is signed at its own time.
    for (const request of requests) {
      const signedAt = Number(/^t=(\d+)/.exec(String(request.headers['x-7stamp-signature']))?.[1]);
      expect(Math.abs(signedAt - request.receivedAtMs / 1000)).toBeLessThan(2);
    }
    const delivery = await waitUntil(async () => {
      const current = await call(sandbox, 'GET', `/v1/deliveries/${deliveryId}`);
      return current.status === 'ok' ? current : undefined;
    }, 5_000, 'the delivery to succeed');
    expect(delivery.attempts.map((attempt: { status_code: number }) => attempt.status_code)).toEqual([500, 500, 500, 500, 200]);
    expect(delivery.attempts[0].response_snippet).toBe('not yet');
    expect(delivery.next_attempt_at).toBeNull();
  });

  it('honours a longer Retry-After', async () => {
    const receiver = await receiverWith((request, response) => {
      const attempt = request.headers['x-7stamp-attempt'];
      if (attempt === '1') response.writeHead(503, { 'retry-after': '300' }).end();
      else response.writeHead(200).end();
    });
    const sandbox = await sandboxFor({ timeScale: 1000 });
    await call(sandbox, 'POST', '/v1/webhook_endpoints', { url: receiver.url });
    await call(sandbox, 'POST', '/v1/events', { type: 'card_opened' });
    const [first, second] = await receiver.waitFor(2, 5_000);
    // The schedule says 10 ms; Retry-After 300 s at 1000x is 300 ms.
    expect(second!.receivedAtMs - first!.receivedAtMs).toBeGreaterThanOrEqual(280);
  });

  it('keeps a slow endpoint from holding up others', async () => {
    const held: ServerResponse[] = [];
    const slow = await receiverWith((_request, response) => void held.push(response));
    const fast = await receiverWith();
    const sandbox = await sandboxFor({});
    // Closing the slow receiver first lets the sandbox stop without waiting for held attempts.
    cleanups.push(() => {
      for (const response of held) response.destroy();
      return slow.close();
    });
    await call(sandbox, 'POST', '/v1/webhook_endpoints', { url: slow.url });
    await call(sandbox, 'POST', '/v1/webhook_endpoints', { url: fast.url });
    for (let index = 0; index < 30; index++) await call(sandbox, 'POST', '/v1/events', { type: 'card_saved' });
    await fast.waitFor(30, 5_000);
    // The engine allows 16 attempts in flight per endpoint.
    expect(held.length).toBeLessThanOrEqual(16);
  });
});

describe('durability', () => {
  it('keeps pending retries across a restart', async () => {
    let healthy = false;
    const receiver = await receiverWith((_request, response) => response.writeHead(healthy ? 200 : 500).end());
    const dataDir = tempDataDir();
    // At 100x the retry after attempt 2 is due about 600 ms later, while the sandbox is down.
    const first = await startSandboxProcess({ dataDir, timeScale: 100 });
    cleanups.push(() => first.stop());
    await call(first, 'POST', '/v1/webhook_endpoints', { url: receiver.url });
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) ids.push((await call(first, 'POST', '/v1/events', { type: 'goal_reached' })).deliveries[0].id);
    await waitUntil(() => (ids.every((id) => attemptsOf(receiver.requests, id).length >= 2) ? true : undefined), 5_000, 'second attempts');
    await first.stop('SIGTERM');
    expect((await first.exited).code).toBe(0);

    healthy = true;
    const second = await sandboxFor({ dataDir, timeScale: 100 });
    expect(second.apiKey).toBe(first.apiKey);
    for (const id of ids) {
      const delivery = await waitUntil(async () => {
        const current = await call(second, 'GET', `/v1/deliveries/${id}`);
        return current.status === 'ok' ? current : undefined;
      }, 8_000, `delivery ${id} to succeed after the restart`);
      expect(delivery.attempts.map((attempt: { number: number }) => attempt.number)).toEqual(delivery.attempts.map((_: unknown, index: number) => index + 1));
      expect(delivery.attempts.at(-1).status_code).toBe(200);
    }
  });

  it('loads after SIGKILL and never resends an acknowledged delivery', async () => {
    const receiver = await receiverWith();
    const dataDir = tempDataDir();
    const first = await startSandboxProcess({ dataDir, timeScale: 1000 });
    cleanups.push(() => first.kill());
    await call(first, 'POST', '/v1/webhook_endpoints', { url: `${receiver.url}/a` });
    await call(first, 'POST', '/v1/webhook_endpoints', { url: `${receiver.url}/b` });
    const eventIds: string[] = [];
    // Posts cut off by the kill fail; only those answered count as acknowledged.
    const posts = Array.from({ length: 40 }, () =>
      call(first, 'POST', '/v1/events', { type: 'stamp_added' }).then(
        (event) => void eventIds.push(event.id),
        () => undefined,
      ),
    );
    await receiver.waitFor(10, 5_000);
    // Answers come after the journal sync, so whatever the API shows as ok is on disk.
    const acknowledged = await call(first, 'GET', '/v1/deliveries?status=ok&limit=100');
    await first.kill();
    await Promise.all(posts);
    const seenBeforeRestart = receiver.requests.length;

    const second = await sandboxFor({ dataDir, timeScale: 1000 });
    expect((await fetch(`${second.url}/v1/health`)).status).toBe(200);
    for (const id of eventIds) expect((await call(second, 'GET', `/v1/events/${id}`)).id).toBe(id);
    await waitUntil(async () => ((await call(second, 'GET', '/v1/deliveries?status=pending')).data.length === 0 ? true : undefined), 8_000, 'no pending deliveries');

    const resent = new Set(receiver.requests.slice(seenBeforeRestart).map((request) => request.headers['x-7stamp-delivery-id']));
    for (const delivery of acknowledged.data) expect(resent.has(delivery.id), delivery.id).toBe(false);
    // Events written but not yet answered when the kill came may be there too.
    const all = await call(second, 'GET', '/v1/deliveries?limit=100');
    expect(all.data.length).toBeGreaterThanOrEqual(eventIds.length * 2);
  });
});
