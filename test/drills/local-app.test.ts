import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox.js';

/**
 * A local app that misbehaves in each way a real one does: refuses the connection, resets it
 * mid-response, responds after 11 s (past the 10 s the platform allows), responds with a 10 MB
 * body, responds with bytes that are not HTTP, or closes the connection without responding.
 * `trigger --url` reports each with exit 6 (or 0 for the large 200) and a plain reason;
 * `listen` reports each on its delivery line and goes on forwarding.
 */

const SECRET = 'whsec_local_app_drill';
const BIG_BODY_BYTES = 10 * 1024 * 1024;
const SLOW_ANSWER_MS = 11_000;

type Behaviour = 'refused' | 'reset' | 'slow' | 'big' | 'garbage' | 'silent';

const servers: Array<HttpServer | TcpServer> = [];
const urls = {} as Record<Behaviour | 'good', string>;
let goodCount = 0;
let sandbox: SandboxProcess;
const work = tempConfigDir();

async function listen(server: HttpServer | TcpServer): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
}

beforeAll(async () => {
  urls.good = await listen(
    createHttpServer((request, response) => {
      request.resume();
      request.on('end', () => {
        goodCount++;
        response.end('{"ok":true}');
      });
    }),
  );
  urls.reset = await listen(
    createHttpServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-length': '1000' });
        response.write('{"partial":');
        setTimeout(() => response.socket?.resetAndDestroy(), 20);
      });
    }),
  );
  urls.slow = await listen(
    createHttpServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const timer = setTimeout(() => response.end('{"late":true}'), SLOW_ANSWER_MS);
        response.on('close', () => clearTimeout(timer));
      });
    }),
  );
  urls.big = await listen(
    createHttpServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200, { 'content-type': 'text/plain' }).end(Buffer.alloc(BIG_BODY_BYTES, 'a')));
    }),
  );
  urls.garbage = await listen(
    createTcpServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end('HELLO THERE\r\nthis is not http\r\n\r\n'));
    }),
  );
  urls.silent = await listen(
    createTcpServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end());
    }),
  );
  // A port that was free a moment ago: nothing listens there.
  const closed = createTcpServer();
  urls.refused = await listen(closed);
  servers.pop();
  await new Promise((resolve) => closed.close(resolve));

  sandbox = await startSandboxProcess();
}, 30_000);

afterAll(async () => {
  for (const server of servers) {
    if ('closeAllConnections' in server) server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await sandbox?.stop();
  work.cleanup();
});

const EXPECTED: Record<Behaviour, { exitCode: number; reason: RegExp }> = {
  refused: { exitCode: 6, reason: /connection refused/ },
  reset: { exitCode: 6, reason: /reset|closed before/ },
  slow: { exitCode: 6, reason: /timed out.*10000 ms/ },
  big: { exitCode: 0, reason: /200/ },
  garbage: { exitCode: 6, reason: /not valid HTTP/ },
  silent: { exitCode: 6, reason: /closed the connection without answering/ },
};

describe('misbehaving local app', () => {
  it('is reported by trigger and listen', async () => {
    const behaviours = Object.keys(EXPECTED) as Behaviour[];

    // listen: one route per behaviour, each by its own event type; the good app gets the rest.
    const eventFor: Record<Behaviour, string> = { refused: 'card_issued', reset: 'card_saved', slow: 'card_opened', big: 'goal_reached', garbage: 'reward_issued', silent: 'voucher_issued' };
    const routeArgs = behaviours.flatMap((behaviour) => ['--route', `${eventFor[behaviour]}=${urls[behaviour]}`]);
    const listener = runCli(['listen', '--forward', urls.good, ...routeArgs, '--format', 'json', '--concurrency', '8'], {
      configDir: work.dir,
      env: { STAMP7_API_BASE: sandbox.url, STAMP7_API_KEY: sandbox.apiKey },
      timeout: 120_000,
    });
    let stdout = '';
    listener.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitUntil(() => stdout.includes('"type":"ready"'), 20_000, () => String(listener.stderr));
    const startedMs = Date.now();
    for (const behaviour of behaviours) await createEvent(eventFor[behaviour]);

    // trigger --url against each behaviour, at the same time, with the default 10 s timeout.
    const triggers = await Promise.all(
      behaviours.map((behaviour) => runCli(['--json', 'trigger', 'ping', '--url', urls[behaviour], '--secret', SECRET], { configDir: work.dir })),
    );
    for (const [index, result] of triggers.entries()) {
      const behaviour = behaviours[index]!;
      const expected = EXPECTED[behaviour];
      expect(result.exitCode, `trigger ${behaviour}: ${String(result.stderr)}`).toBe(expected.exitCode);
      expect(String(result.stdout) + String(result.stderr), `trigger ${behaviour}`).toMatch(expected.reason);
      expect(String(result.stderr), `trigger ${behaviour}`).not.toContain('internal error');
    }

    // listen reports one line per behaviour, then still forwards to the good app.
    const lines = (): Array<Record<string, unknown>> =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.type === 'delivery');
    await waitUntil(() => behaviours.every((behaviour) => lines().some((line) => line.event_type === eventFor[behaviour])), 30_000, () => stdout.slice(-3_000));
    const before = goodCount;
    await createEvent('stamp_added');
    await waitUntil(() => goodCount > before, 10_000, () => `the good app got nothing after the faults: ${stdout.slice(-2_000)}`);

    for (const behaviour of behaviours) {
      const line = lines().find((entry) => entry.event_type === eventFor[behaviour])!;
      const text = JSON.stringify(line);
      expect(text, `listen ${behaviour}`).toMatch(EXPECTED[behaviour].reason);
    }
    expect(Date.now() - startedMs, 'the slow app held nothing else up').toBeLessThan(60_000);
    expect(listener.exitCode, 'listen is still running').toBeNull();

    listener.kill('SIGINT');
    const ended = await listener;
    expect(ended.exitCode, String(ended.stderr).slice(-2_000)).toBe(130);
    expect(String(ended.stderr)).not.toContain('internal error');
  }, 120_000);
});

async function createEvent(type: string): Promise<void> {
  const response = await fetch(`${sandbox.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type }),
  });
  if (response.status !== 201) throw new Error(`creating ${type}: HTTP ${response.status} ${await response.text()}`);
}

async function waitUntil(condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
