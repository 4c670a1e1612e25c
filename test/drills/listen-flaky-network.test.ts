import { execFile } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startFlakyProxy, type FlakyProxy } from '../helpers/flaky-proxy.js';
import { Random, runSeed } from '../helpers/random.js';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox.js';

/**
 * `stamp7 listen` under a flaky network: a TCP proxy between listen and the sandbox's relay
 * cuts, stalls, black-holes and delays the WebSocket at random while the test creates
 * events. Every delivery must reach the app exactly once, every delivery must end `ok` in
 * the sandbox, and listen's RSS must stay flat.
 *
 * The default run sends 1,000 deliveries and leaves out black holes, because listen needs
 * 10 to 15 s to find each dead socket; STAMP7_DRILLS=full sends 5,000 with three black
 * holes. STAMP7_DRILL_DELIVERIES sets another count, for a longer memory check. STAMP7_SEED
 * replays a run.
 */

const FULL = process.env.STAMP7_DRILLS === 'full';
const DELIVERIES = Number(process.env.STAMP7_DRILL_DELIVERIES) || (FULL ? 5_000 : 1_000);
const BLACKHOLES = FULL ? 3 : 0;
const seed = runSeed();
const execFileAsync = promisify(execFile);

let sandbox: SandboxProcess;
let proxy: FlakyProxy;
let front: Server;
let frontUrl: string;
let app: Server;
let appUrl: string;
const received = new Map<string, number>();
let duplicates = 0;
const work = tempConfigDir();

beforeAll(async () => {
  sandbox = await startSandboxProcess({ extraArgs: ['--retention', String(DELIVERIES * 2)] });
  const sandboxUrl = new URL(sandbox.url);
  proxy = await startFlakyProxy({
    target: { host: sandboxUrl.hostname, port: Number(sandboxUrl.port) },
    random: new Random(seed),
    rates: { cut: 0.01, stall: 0.01, blackhole: 0.005, delay: 0.05 },
    maxBlackholes: BLACKHOLES,
  });

  // The API front passes every call to the sandbox, but points ws_url at the flaky proxy,
  // so only the relay socket crosses the bad network.
  front = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const upstream = httpRequest(`${sandbox.url}${request.url}`, { method: request.method, headers: request.headers }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => body.push(chunk));
        answer.on('end', () => {
          let text = Buffer.concat(body).toString('utf8');
          if (request.url === '/v1/listen_sessions' && answer.statusCode === 201) {
            const session = JSON.parse(text) as { ws_url: string };
            const wsUrl = new URL(session.ws_url);
            wsUrl.port = String(proxy.port);
            session.ws_url = wsUrl.href;
            text = JSON.stringify(session);
          }
          const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(text)) };
          response.writeHead(answer.statusCode ?? 502, headers).end(text);
        });
      });
      upstream.on('error', () => response.writeHead(502).end());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;

  app = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const id = String(request.headers['x-7stamp-delivery-id']);
      const count = (received.get(id) ?? 0) + 1;
      received.set(id, count);
      if (count > 1) duplicates++;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/webhooks`;
}, 30_000);

afterAll(async () => {
  await proxy?.close();
  front?.closeAllConnections();
  app?.closeAllConnections();
  await Promise.all([new Promise((resolve) => front?.close(resolve)), new Promise((resolve) => app?.close(resolve))]);
  await sandbox?.stop();
  work.cleanup();
});

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function rssKb(pid: number): Promise<number | undefined> {
  try {
    const { stdout } = await execFileAsync('ps', ['-o', 'rss=', '-p', String(pid)]);
    const value = Number(stdout.trim());
    return Number.isFinite(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Waits for a condition, checking every `stepMs`, and throws with `describe()` after `timeoutMs`. */
async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string, stepMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

describe('listen over a flaky network', () => {
  it(`delivers ${DELIVERIES} events exactly once`, async () => {
    const startedMs = Date.now();
    const listen = runCli(['listen', '--forward', appUrl, '--format', 'json', '--concurrency', '4'], {
      configDir: work.dir,
      env: { STAMP7_API_BASE: frontUrl, STAMP7_API_KEY: sandbox.apiKey },
      timeout: 600_000,
    });
    let stdout = '';
    listen.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitUntil(() => stdout.includes('"type":"ready"'), 20_000, () => `no ready line; stderr: ${String(listen.stderr)}`);
    proxy.setFaults(true);

    // RSS samples of the listen process, with how many deliveries had arrived by then.
    const samples: Array<{ delivered: number; rssKb: number }> = [];
    const sampler = setInterval(() => {
      void rssKb(listen.pid!).then((rss) => {
        if (rss !== undefined) samples.push({ delivered: received.size, rssKb: rss });
      });
    }, 250);

    // Events go straight to the sandbox, four at a time; each fans out to the listen session.
    let created = 0;
    const createOne = async (): Promise<void> => {
      while (created < DELIVERIES) {
        created++;
        await api('POST', '/v1/events', { type: 'stamp_added' });
      }
    };
    await Promise.all([createOne(), createOne(), createOne(), createOne()]);

    try {
      await waitUntil(() => received.size >= DELIVERIES, FULL ? 480_000 : 150_000, () => `the app got ${received.size} of ${DELIVERIES}; proxy ${JSON.stringify(proxy.stats)}`);
      // Every delivery settles in the sandbox once its outcome makes it back through the proxy.
      await waitUntil(
        async () => (await api<{ data: unknown[] }>('GET', '/v1/deliveries?status=pending&limit=1')).data.length === 0,
        60_000,
        () => 'deliveries still pending in the sandbox',
        250,
      );
    } finally {
      clearInterval(sampler);
      proxy.setFaults(false);
      listen.kill('SIGINT');
    }
    const ended = await listen;
    const elapsedMs = Date.now() - startedMs;

    const failed = await api<{ data: unknown[] }>('GET', '/v1/deliveries?status=failed&limit=1');
    const report = {
      seed,
      deliveries: DELIVERIES,
      elapsedMs,
      proxy: proxy.stats,
      duplicates,
      rssKb: samples.filter((_, index) => index % Math.max(1, Math.floor(samples.length / 12)) === 0).map((sample) => `${sample.delivered}:${sample.rssKb}`),
    };
    console.info(`listen flaky-network drill: ${JSON.stringify(report)}`);

    expect(received.size, JSON.stringify(report)).toBe(DELIVERIES);
    expect(duplicates, JSON.stringify(report)).toBe(0);
    expect(failed.data).toEqual([]);
    expect(proxy.stats.cuts + proxy.stats.stalls, 'faults struck').toBeGreaterThan(0);
    expect(ended.exitCode, String(ended.stderr).slice(-2_000)).toBe(130);

    // Flat memory: after the first fifth (warm-up), RSS grows by less than 30 MB.
    const warm = samples.filter((sample) => sample.delivered >= DELIVERIES / 5);
    expect(warm.length, 'RSS samples').toBeGreaterThan(3);
    const baseline = Math.min(...warm.slice(0, 3).map((sample) => sample.rssKb));
    const peak = Math.max(...warm.map((sample) => sample.rssKb));
    expect(peak - baseline, `RSS ${baseline} kB -> ${peak} kB`).toBeLessThan(30 * 1024);
  }, 600_000);
});
