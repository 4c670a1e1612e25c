import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/signing/index.js';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.js';
import { startSandboxProcess } from '../helpers/sandbox.js';

type Sandbox = Awaited<ReturnType<typeof startSandboxProcess>>;
type Listener = ReturnType<typeof runCli>;

interface JsonLine {
  type: string;
  secret?: string;
  ok?: boolean;
  [key: string]: unknown;
}

let sandbox: Sandbox;
const config = tempConfigDir();

beforeAll(async () => {
  // The time scale brings the first retry (10 s) down to 50 ms, so a failed attempt comes back fast.
  sandbox = await startSandboxProcess({ timeScale: 200, extraArgs: ['--test-hooks'] });
});

afterAll(async () => {
  await sandbox?.stop();
  config.cleanup();
});

function apiEnv(): Record<string, string> {
  return { STAMP7_API_BASE: sandbox.url, STAMP7_API_KEY: sandbox.apiKey };
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Creates events one after another, so their creation order is known; returns their ids. */
async function createEvents(count: number, type = 'stamp_added'): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const event = await api<{ id: string }>('POST', '/v1/events', { type });
    ids.push(event.id);
  }
  return ids;
}

/** Starts `stamp7 listen` and resolves once its `ready` line is on stdout. */
async function startListen(args: string[]): Promise<{ child: Listener; lines: JsonLine[]; stdout: string[]; secret: string }> {
  const child = runCli(['listen', ...args], { configDir: config.dir, env: apiEnv(), timeout: 120_000 });
  const stdout: string[] = [];
  const lines: JsonLine[] = [];
  let pending = '';
  let markReady: (secret: string) => void = () => undefined;
  const ready = new Promise<string>((resolve) => {
    markReady = resolve;
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const line of parts) {
      stdout.push(line);
      const parsed = JSON.parse(line) as JsonLine;
      lines.push(parsed);
      if (parsed.type === 'ready') markReady(parsed.secret!);
    }
  });
  const secret = await Promise.race([
    ready,
    child.then((result) => {
      throw new Error(`listen exited with ${result.exitCode} before it was ready: ${String(result.stderr)}`);
    }),
  ]);
  return { child, lines, stdout, secret };
}

/** Starts a receiver that verifies every delivery with the session secret and returns 400 when that fails. */
async function verifyingReceiver(secretOf: () => string): Promise<Receiver> {
  return startReceiver((request: ReceivedRequest, response) => {
    const verdict = verifySignature({ body: request.body, header: request.headers['x-7stamp-signature'], secret: secretOf() });
    response.writeHead(verdict.ok ? 200 : 400).end(verdict.ok ? 'ok' : verdict.reason);
  });
}

function eventIds(requests: ReceivedRequest[]): string[] {
  return requests.map((request) => String(request.headers['x-7stamp-event-id']));
}

describe('stamp7 listen against the sandbox', () => {
  it('forwards 1,000 events once each, in order, byte for byte', async () => {
    let secret = '';
    const receiver = await verifyingReceiver(() => secret);
    try {
      const listen = await startListen(['--forward', `${receiver.url}/hooks?src=7stamp`, '--exit-after', '1000']);
      secret = listen.secret;

      const created: Array<{ id: string; body: string }> = [];
      for (let index = 0; index < 1000; index++) {
        const event = await api<{ id: string; payload: unknown }>('POST', '/v1/events', { type: 'stamp_added' });
        created.push({ id: event.id, body: JSON.stringify(event.payload) });
      }
      const result = await listen.child;

      expect(result.exitCode).toBe(0);
      expect(eventIds(receiver.requests)).toEqual(created.map((event) => event.id));
      for (const [index, request] of receiver.requests.entries()) {
        expect(request.url).toBe('/hooks?src=7stamp');
        expect(request.body.toString('utf8')).toBe(created[index]!.body);
        expect(verifySignature({ body: request.body, header: request.headers['x-7stamp-signature'], secret }).ok).toBe(true);
      }
      // Not a TTY: stdout is NDJSON only, ready first, summary last.
      expect(listen.stdout.every((line) => typeof JSON.parse(line) === 'object')).toBe(true);
      expect(listen.lines[0]!.type).toBe('ready');
      expect(listen.lines.filter((line) => line.type === 'delivery')).toHaveLength(1000);
      expect(listen.lines.at(-1)).toMatchObject({ type: 'summary', forwarded: 1000, failed: 0, exit_code: 0 });
    } finally {
      await receiver.close();
    }
  });

  it('delivers every event once while the relay drops the socket', async () => {
    let secret = '';
    const receiver = await verifyingReceiver(() => secret);
    try {
      const total = 400;
      const listen = await startListen(['--forward', receiver.url, '--exit-after', String(total), '--events', 'card_opened']);
      secret = listen.secret;

      // Events are created 8 at a time so deliveries are in flight when a drop lands, and
      // the drops go off at random moments while the events are being created.
      let created = 0;
      const creators = Array.from({ length: 8 }, async () => {
        while (created < total) {
          created += 1;
          await api('POST', '/v1/events', { type: 'card_opened' });
        }
      });
      let drops = 0;
      const dropper = (async () => {
        while (created < total) {
          await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 120));
          await api('POST', '/v1/_test/drop_listen_connections');
          drops += 1;
        }
      })();
      await Promise.all([...creators, dropper]);
      const result = await listen.child;

      // The sandbox lists events newest first; the relay sends them oldest first.
      const listed: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: Array<{ id: string; type: string }>; next_cursor: string | null } = await api('GET', `/v1/events?type=card_opened&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
        listed.push(...page.data.map((event) => event.id));
        cursor = page.next_cursor;
      } while (cursor !== null);

      expect(drops).toBeGreaterThanOrEqual(2);
      expect(result.exitCode).toBe(0);
      expect(new Set(eventIds(receiver.requests)).size).toBe(receiver.requests.length);
      expect(eventIds(receiver.requests)).toEqual(listed.reverse());
      expect(String(result.stderr)).toMatch(/Reconnecting/);
      expect(String(result.stderr)).toMatch(/Resumed session/);
    } finally {
      await receiver.close();
    }
  });

  it('fetches a new token after expiry', async () => {
    let secret = '';
    const receiver = await verifyingReceiver(() => secret);
    try {
      const listen = await startListen(['--forward', receiver.url, '--exit-after', '2', '--events', 'goal_reached']);
      secret = listen.secret;
      await createEvents(1, 'goal_reached');
      await receiver.waitFor(1, 10_000);

      // With its token expired and its socket cut, listen can only come back through a
      // token refresh with the API key: the sandbox closes the old token with 4001.
      await api('POST', '/v1/_test/expire_listen_tokens');
      await api('POST', '/v1/_test/drop_listen_connections');
      await createEvents(1, 'goal_reached');
      const result = await listen.child;

      expect(result.exitCode, String(result.stderr)).toBe(0);
      expect(receiver.requests).toHaveLength(2);
      expect(String(result.stderr)).toMatch(/Fetched a fresh listen token/);
      expect(String(result.stderr)).toMatch(/Resumed session/);
    } finally {
      await receiver.close();
    }
  });

  it('loses nothing while the app is down, then up', async () => {
    // Reserve a free port, then leave it closed so the first attempts are refused.
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));

    const recordPath = join(config.dir, 'down-up.ndjson');
    const listen = await startListen(['--forward', `127.0.0.1:${port}/hook`, '--record', recordPath]);
    const ids = await createEvents(5, 'voucher_redeemed');
    await waitFor(() => listen.lines.filter((line) => line.type === 'delivery').length >= 5, 10_000);

    const refused = listen.lines.filter((line) => line.type === 'delivery');
    expect(refused.every((line) => line.ok === false && String(line.error).startsWith('connection refused: is your app listening on'))).toBe(true);

    const received: string[] = [];
    const app: Server = createServer((request, response) => {
      received.push(String(request.headers['x-7stamp-event-id']));
      request.resume();
      request.on('end', () => response.writeHead(200).end('ok'));
    });
    app.listen(port, '127.0.0.1');
    await once(app, 'listening');
    try {
      await waitFor(() => new Set(received).size >= 5, 15_000);
      listen.child.kill('SIGINT');
      const result = await listen.child;

      expect(result.exitCode).toBe(130);
      expect([...new Set(received)].sort()).toEqual([...ids].sort());
      expect(received).toHaveLength(5);
      expect(String(result.stderr)).toContain('Stopping');
      expect(listen.lines.at(-1)).toMatchObject({ type: 'summary', reason: 'interrupted', exit_code: 130 });
    } finally {
      app.closeAllConnections();
      await new Promise((resolve) => app.close(resolve));
    }

    // The recording contains every attempt, and replay sends them all again, re-signed.
    const recorded = readFileSync(recordPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as JsonLine);
    expect(recorded[0]!.type).toBe('recording');
    expect(JSON.stringify(recorded)).not.toContain(listen.secret);
    const replayReceiver = await verifyingReceiver(() => 'whsec_replay_secret_for_tests');
    try {
      const replay = await runCli(['replay', recordPath, '--forward', replayReceiver.url, '--resign', '--secret', 'whsec_replay_secret_for_tests', '--events', 'voucher_redeemed'], { configDir: config.dir });
      expect(replay.exitCode).toBe(0);
      expect(replayReceiver.requests).toHaveLength(recorded.length - 1);
      expect(new Set(eventIds(replayReceiver.requests))).toEqual(new Set(ids));
      const recordedBodies = recorded.slice(1).map((line) => Buffer.from(String(line.body_base64), 'base64').toString('utf8'));
      expect(replayReceiver.requests.map((request) => request.body.toString('utf8'))).toEqual(recordedBodies);
    } finally {
      await replayReceiver.close();
    }
  });

  it('stops at --wait-for with exit 0', async () => {
    const receiver = await startReceiver();
    try {
      const listen = await startListen(['--forward', receiver.url, '--events', 'goal_reached,reward_issued', '--wait-for', 'reward_issued', '--max-duration', '20s']);
      await createEvents(2, 'goal_reached');
      await createEvents(1, 'reward_issued');
      const result = await listen.child;
      expect(result.exitCode).toBe(0);
      expect(receiver.requests.map((request) => request.headers['x-7stamp-event'])).toEqual(['goal_reached', 'goal_reached', 'reward_issued']);
      expect(listen.lines.at(-1)).toMatchObject({ type: 'summary', reason: 'wait_for' });
    } finally {
      await receiver.close();
    }
  });

  it('exits 1 when --max-duration ends the wait', async () => {
    const result = await runCli(['listen', '--forward', '3000', '--events', 'lottery_played', '--wait-for', 'lottery_played', '--max-duration', '300ms'], { configDir: config.dir, env: apiEnv() });
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toContain('no lottery_played delivery arrived');
  });

  it('prints only the secret with --print-secret', async () => {
    const result = await runCli(['listen', '--print-secret'], { configDir: config.dir, env: apiEnv() });
    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toMatch(/^whsec_\S+\n?$/);
  });

  it('fails fast with exit 4 for a rejected key', async () => {
    const result = await runCli(['listen', '--forward', '3000'], { configDir: config.dir, env: { ...apiEnv(), STAMP7_API_KEY: '7loc_sc_thiskeyiswrong000000000000' } });
    expect(result.exitCode).toBe(4);
    expect(String(result.stdout)).toBe('');
  });

  it('fails fast with exit 6 when the API is unreachable', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const result = await runCli(['listen', '--forward', '3000'], { configDir: config.dir, env: { ...apiEnv(), STAMP7_API_BASE: `http://127.0.0.1:${port}` } });
    expect(result.exitCode).toBe(6);
  });

  it('rejects a bad --forward with exit 2 and a hint', async () => {
    const result = await runCli(['listen', '--forward', 'localhost:99999'], { configDir: config.dir, env: apiEnv() });
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain('invalid port');
    expect(String(result.stderr)).toContain('hint:');
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
