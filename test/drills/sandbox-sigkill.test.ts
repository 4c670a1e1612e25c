import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random, runSeed } from '../helpers/random.js';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox.js';

/**
 * The sandbox killed with SIGKILL at random moments while it creates events, delivers and
 * retries. After each restart on the same data folder: every endpoint and event whose
 * creation got a response is still there, no delivery the API ever listed has vanished, every
 * delivery still ends `ok`, and no delivery that the API had reported `ok` before the kill
 * reaches the app again.
 *
 * The default run kills 5 times; STAMP7_DRILLS=full kills 20 times. STAMP7_SEED replays a run.
 */

const FULL = process.env.STAMP7_DRILLS === 'full';
const KILLS = FULL ? 20 : 5;
const EVENTS_PER_ROUND = 30;
const seed = runSeed();
const random = new Random(seed);

interface Receipt {
  deliveryId: string;
  attempt: number;
  atMs: number;
  status: number;
}

let app: Server;
let appUrl: string;
const receipts: Receipt[] = [];
let dataDir: string;
let configDir: string;
let sandbox: SandboxProcess | undefined;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'stamp7-sigkill-data-'));
  configDir = mkdtempSync(join(tmpdir(), 'stamp7-sigkill-config-'));
  // The app fails a quarter of first and second attempts, so retries are pending at every kill.
  app = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const attempt = Number(request.headers['x-7stamp-attempt']);
      const status = attempt <= 2 && random.chance(0.25) ? 500 : 200;
      receipts.push({ deliveryId: String(request.headers['x-7stamp-delivery-id']), attempt, atMs: Date.now(), status });
      response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await sandbox?.stop();
  app?.closeAllConnections();
  await new Promise((resolve) => app?.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(configDir, { recursive: true, force: true });
});

function start(): Promise<SandboxProcess> {
  // 600 times faster: the first retries come after 17 ms and 100 ms, the 24 h deadline after 144 s.
  return startSandboxProcess({ dataDir, configDir, timeScale: 600 });
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandbox!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sandbox!.apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

async function listAll<T extends { id: string }>(path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: { data: T[]; next_cursor: string | null } = await call('GET', `${path}${separator}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return items;
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('sandbox killed with SIGKILL', () => {
  it(`loses nothing over ${KILLS} kills`, async () => {
    sandbox = await start();
    const endpoints = new Set<string>();
    for (const path of ['/a', '/b']) endpoints.add((await call<{ id: string }>('POST', '/v1/webhook_endpoints', { url: `${appUrl}${path}`, events: ['*'] })).id);
    const events = new Set<string>();
    const deliveries = new Set<string>();
    const violations: string[] = [];
    const startedMs = Date.now();

    for (let round = 0; round < KILLS; round++) {
      // Create events, some of them while the kill lands; only those that got a 201 must survive.
      const killAfterMs = random.int(20, 400);
      const creating = (async () => {
        for (let index = 0; index < EVENTS_PER_ROUND; index++) {
          try {
            const event = await call<{ id: string; deliveries: Array<{ id: string }> }>('POST', '/v1/events', { type: random.pick(['stamp_added', 'voucher_redeemed', 'card_issued']) });
            events.add(event.id);
            for (const delivery of event.deliveries) deliveries.add(delivery.id);
          } catch {
            return;
          }
        }
      })();

      // What the API reports ok now counts as acknowledged: it must never be delivered again.
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      // The clock is read after the list returns: the first (and only rightful) attempt of a
      // listed delivery may arrive while the list call is in flight, but never after it.
      let acknowledged: Set<string>;
      try {
        acknowledged = new Set((await listAll<{ id: string }>('/v1/deliveries?status=ok')).map((delivery) => delivery.id));
      } catch {
        acknowledged = new Set();
      }
      const acknowledgedAtMs = Date.now();
      await sandbox.kill();
      await creating;

      sandbox = await start();
      const after = await listAll<{ id: string }>('/v1/webhook_endpoints');
      for (const id of endpoints) if (!after.some((endpoint) => endpoint.id === id)) violations.push(`round ${round}: endpoint ${id} lost`);
      const eventIds = new Set((await listAll<{ id: string }>('/v1/events')).map((event) => event.id));
      for (const id of events) if (!eventIds.has(id)) violations.push(`round ${round}: event ${id} lost`);
      const deliveryIds = new Set((await listAll<{ id: string }>('/v1/deliveries')).map((delivery) => delivery.id));
      for (const id of deliveries) if (!deliveryIds.has(id)) violations.push(`round ${round}: delivery ${id} lost`);

      // Give the restarted sandbox a moment to deliver, then check no acknowledged delivery came back.
      await new Promise((resolve) => setTimeout(resolve, random.int(50, 300)));
      for (const receipt of receipts) {
        if (receipt.atMs > acknowledgedAtMs && acknowledged.has(receipt.deliveryId)) {
          violations.push(`round ${round}: ${receipt.deliveryId} was delivered again (attempt ${receipt.attempt}) after the API reported it ok`);
        }
      }
    }

    // Every delivery ends ok: pending retries survived each restart.
    await waitUntil(
      async () => (await listAll<{ id: string }>('/v1/deliveries?status=pending')).length === 0,
      60_000,
      () => `deliveries still pending after the last restart`,
    );
    const failed = await listAll<{ id: string }>('/v1/deliveries?status=failed');
    const ok = new Set((await listAll<{ id: string }>('/v1/deliveries?status=ok')).map((delivery) => delivery.id));
    const succeededAtApp = new Set(receipts.filter((receipt) => receipt.status === 200).map((receipt) => receipt.deliveryId));
    const retried = receipts.filter((receipt) => receipt.attempt > 1).length;
    const redelivered = [...succeededAtApp].filter((id) => receipts.filter((receipt) => receipt.deliveryId === id && receipt.status === 200).length > 1).length;

    console.info(`sandbox SIGKILL drill: ${JSON.stringify({ seed, kills: KILLS, events: events.size, deliveries: deliveries.size, receipts: receipts.length, retried, redeliveredAfterUnacknowledgedSuccess: redelivered, elapsedMs: Date.now() - startedMs })}`);
    expect(violations).toEqual([]);
    expect(failed).toEqual([]);
    for (const id of deliveries) expect(ok.has(id), `delivery ${id} ends ok`).toBe(true);
    expect(retried, 'retries happened').toBeGreaterThan(0);
  }, 300_000);
});
