// The listen tunnel, for bench/run.mjs (module contract in its header), in one run:
// - added latency: time from `POST /v1/events` to the delivery's arrival at a receiver in
//   this process. A listen session (`--events stamp_added`) and a webhook endpoint
//   (`card_opened`) are open side by side, and the samples alternate between the two
//   types, one event at a time, so both paths see the same machine load. The tunnel's cost
//   is the tunnel's percentile minus the direct path's.
// - rate: the listen process is stopped (SIGSTOP) while BACKLOG_SIZE events are created,
//   then continued (SIGCONT). The rate is deliveries/s while `listen --concurrency 16`
//   drains that backlog to the receiver. Creating events through the API is slower than
//   the tunnel, so a live stream would measure event creation instead. The baseline is
//   autocannon posting a delivery-sized body straight to the same receiver with 16
//   connections, from this process, so it shares an event loop with the receiver.
// - memory: the listen process's RSS, sampled every RSS_SAMPLE_MS over RATE_COUNT
//   deliveries.
// The receiver runs in this process; the sandbox and listen are child processes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const title = 'stamp7 listen: added latency, rate and memory';

const BIN = fileURLToPath(new URL('../bin/stamp7.js', import.meta.url));
const LATENCY_SAMPLES = 1_000;
const RATE_COUNT = 100_000;
const BACKLOG_SIZE = 5_000;
const CREATE_CONCURRENCY = 32;
const LISTEN_CONCURRENCY = 16;
const RSS_SAMPLE_MS = 500;
const PHASE_TIMEOUT_MS = 180_000;

const now = () => performance.timeOrigin + performance.now();

function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

/** Starts a receiver that records when each event id arrived and resolves the waiter for it. */
async function startReceiver() {
  const arrivals = new Map();
  const waiters = new Map();
  let count = 0;
  let countWaiter;
  let keepArrivals = true;
  const server = createServer((incoming, response) => {
    incoming.on('data', () => {});
    incoming.on('end', () => {
      const at = now();
      const id = String(incoming.headers['x-7stamp-event-id']);
      count += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      // A delivery can arrive before the POST that created it has returned, so arrivals
      // are kept until someone asks, while latency is measured.
      if (waiters.has(id)) {
        waiters.get(id)(at);
        waiters.delete(id);
      } else if (keepArrivals) {
        arrivals.set(id, at);
      }
      if (countWaiter && count >= countWaiter.target) countWaiter.resolve(at);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    get count() {
      return count;
    },
    reset() {
      count = 0;
      keepArrivals = false;
      arrivals.clear();
    },
    arrivalOf(id) {
      if (arrivals.has(id)) {
        const at = arrivals.get(id);
        arrivals.delete(id);
        return Promise.resolve(at);
      }
      return new Promise((resolve) => waiters.set(id, resolve));
    },
    reach(target) {
      return new Promise((resolve) => {
        countWaiter = { target, resolve };
        if (count >= target) resolve(now());
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

async function startSandbox(env) {
  const child = spawn(process.execPath, [BIN, 'sandbox', '--ephemeral', '--port', '0', '--json', '--quiet', '--retention', String(RATE_COUNT + 10_000)], {
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [chunk] = await once(child.stdout, 'data');
  const ready = JSON.parse(String(chunk).split('\n')[0]);
  return { child, url: ready.url, apiKey: ready.api_key };
}

/** Starts `stamp7 listen` and resolves once its ready line is out; stdout is read and counted. */
async function startListen(env, args) {
  const child = spawn(process.execPath, [BIN, 'listen', '--format', 'json', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  let buffered = '';
  await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      buffered += chunk;
      if (buffered.includes('"type":"ready"')) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`listen exited with ${code}: ${stderr}`)));
  });
  return child;
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // A child stopped for the backlog would not see SIGINT until it is continued.
  child.kill('SIGCONT');
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await once(child, 'exit');
  clearTimeout(timer);
}

function api(sandbox, agent, method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const outgoing = request(`${sandbox.url}${path}`, {
      method,
      agent,
      headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json', ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}) },
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (response.statusCode >= 300) reject(new Error(`${method} ${path}: ${response.statusCode} ${text}`));
        else resolve(text === '' ? {} : JSON.parse(text));
      });
    });
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** Creates events one at a time, alternating the two types, and returns each path's creation-to-arrival times in ms. */
async function measureLatency(sandbox, agent, receiver) {
  const samples = { stamp_added: [], card_opened: [] };
  for (let index = 0; index < LATENCY_SAMPLES; index++) {
    const type = index % 2 === 0 ? 'stamp_added' : 'card_opened';
    const started = now();
    const event = await api(sandbox, agent, 'POST', '/v1/events', { type });
    const arrived = await withTimeout(receiver.arrivalOf(event.id), 10_000, `event ${event.id} never arrived`);
    samples[type].push(arrived - started);
  }
  // The first tenth warms up connections and the JIT on both paths alike.
  const warm = (values) => values.slice(Math.floor(values.length / 10));
  return { tunnel: warm(samples.stamp_added), direct: warm(samples.card_opened) };
}

/** Creates `count` events with CREATE_CONCURRENCY requests in flight. */
async function createEvents(sandbox, agent, count) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      await api(sandbox, agent, 'POST', '/v1/events', { type: 'stamp_added' });
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
}

/**
 * Delivers `total` events through the stopped-then-continued listen process, BACKLOG_SIZE
 * at a time, and returns the deliveries per second while listen drains each backlog.
 */
async function measureDrainRate(sandbox, agent, receiver, listen, total) {
  receiver.reset();
  let drainMs = 0;
  for (let done = 0; done < total; done += BACKLOG_SIZE) {
    process.kill(listen.pid, 'SIGSTOP');
    await createEvents(sandbox, agent, BACKLOG_SIZE);
    const started = now();
    process.kill(listen.pid, 'SIGCONT');
    await withTimeout(receiver.reach(done + BACKLOG_SIZE), PHASE_TIMEOUT_MS, `only ${receiver.count} of ${done + BACKLOG_SIZE} deliveries arrived`);
    drainMs += now() - started;
  }
  return total / (drainMs / 1000);
}

/** Posts a delivery-sized body straight to the receiver with autocannon, as the ceiling of the receiver. */
async function measureDirectRate(receiver) {
  const body = JSON.stringify({ id: 'evt_benchmark', event: 'stamp_added', padding: 'x'.repeat(400) });
  const result = await autocannon({ url: `${receiver.url}/autocannon`, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections: LISTEN_CONCURRENCY, duration: 5 });
  return result.requests.average;
}

function rssMegabytes(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}

export async function run() {
  const configDir = mkdtempSync(join(tmpdir(), 'stamp7-bench-listen-'));
  const env = { ...process.env, STAMP7_CONFIG_DIR: configDir, NO_COLOR: '1', CI: '1' };
  const receiver = await startReceiver();
  const sandbox = await startSandbox(env);
  const listenEnv = { ...env, STAMP7_API_BASE: sandbox.url, STAMP7_API_KEY: sandbox.apiKey };
  const agent = new Agent({ keepAlive: true, maxSockets: CREATE_CONCURRENCY });
  const children = [sandbox.child];
  try {
    // Latency: the tunnel gets stamp_added, the endpoint card_opened, samples alternate.
    let listen = await startListen(listenEnv, ['--forward', `${receiver.url}/tunnel`, '--events', 'stamp_added']);
    children.push(listen);
    const endpoint = await api(sandbox, agent, 'POST', '/v1/webhook_endpoints', { url: `${receiver.url}/direct`, events: ['card_opened'] });
    const latency = await measureLatency(sandbox, agent, receiver);
    await api(sandbox, agent, 'DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
    await stopChild(listen);
    const tunnelLatency = latency.tunnel;
    const directLatency = latency.direct;

    // Rate and memory over RATE_COUNT deliveries, then the receiver's own ceiling.
    listen = await startListen(listenEnv, ['--forward', `${receiver.url}/tunnel`, '--concurrency', String(LISTEN_CONCURRENCY)]);
    children.push(listen);
    const rss = [];
    const sampler = setInterval(() => rss.push({ delivered: receiver.count, mb: rssMegabytes(listen.pid) }), RSS_SAMPLE_MS);
    const tunnelRate = await measureDrainRate(sandbox, agent, receiver, listen, RATE_COUNT);
    clearInterval(sampler);
    const finalRss = rssMegabytes(listen.pid);
    await stopChild(listen);
    const directRate = await measureDirectRate(receiver);

    const p50 = percentile(tunnelLatency, 0.5) - percentile(directLatency, 0.5);
    const p99 = percentile(tunnelLatency, 0.99) - percentile(directLatency, 0.99);
    const afterWarmUp = rss.find((sample) => sample.delivered >= RATE_COUNT / 5) ?? rss[0];
    const peak = Math.max(...rss.map((sample) => sample.mb), finalRss);
    const growth = finalRss - (afterWarmUp?.mb ?? finalRss);
    const fmt = (value, unit) => `${value.toFixed(2)} ${unit}`;

    return {
      rows: [
        { metric: 'added latency p50 (tunnel minus direct)', value: fmt(p50, 'ms'), baseline: fmt(percentile(directLatency, 0.5), 'ms direct'), ratio: Number((percentile(tunnelLatency, 0.5) / percentile(directLatency, 0.5)).toFixed(2)), target: '<= 1 ms', met: p50 <= 1 },
        { metric: 'added latency p99 (tunnel minus direct)', value: fmt(p99, 'ms'), baseline: fmt(percentile(directLatency, 0.99), 'ms direct'), ratio: Number((percentile(tunnelLatency, 0.99) / percentile(directLatency, 0.99)).toFixed(2)), target: '<= 5 ms', met: p99 <= 5 },
        { metric: `rate sandbox -> listen --concurrency ${LISTEN_CONCURRENCY} -> receiver`, value: `${Math.round(tunnelRate)} deliveries/s`, baseline: `${Math.round(directRate)} requests/s autocannon`, ratio: Number((tunnelRate / directRate).toFixed(2)), target: '>= 3000/s', met: tunnelRate >= 3000 },
        { metric: `listen RSS after ${RATE_COUNT.toLocaleString('en')} deliveries`, value: fmt(finalRss, 'MB'), baseline: `${fmt(afterWarmUp?.mb ?? NaN, 'MB')} after ${afterWarmUp?.delivered ?? 0}`, ratio: Number((finalRss / (afterWarmUp?.mb ?? finalRss)).toFixed(2)), target: '< 100 MB, flat', met: peak < 100 && growth < 10 },
      ],
      notes: [
        `Latency: ${LATENCY_SAMPLES} events created one at a time, alternating between the tunnel's type and the endpoint's (the first tenth of each dropped as warm-up); time from POST /v1/events to arrival at a receiver in the benchmark process. Tunnel p50/p99 ${fmt(percentile(tunnelLatency, 0.5), 'ms')} / ${fmt(percentile(tunnelLatency, 0.99), 'ms')}, direct ${fmt(percentile(directLatency, 0.5), 'ms')} / ${fmt(percentile(directLatency, 0.99), 'ms')}.`,
        `Rate: ${RATE_COUNT / BACKLOG_SIZE} backlogs of ${BACKLOG_SIZE} events, created while listen was stopped and drained once it continued; the figure covers only the draining. Sandbox, listen and this process (receiver) share the machine's cores.`,
        `Memory: listen RSS sampled every ${RSS_SAMPLE_MS} ms; peak ${fmt(peak, 'MB')}, growth ${fmt(growth, 'MB')} from the 20% mark to the end ("flat" means under 10 MB).`,
      ],
    };
  } finally {
    agent.destroy();
    for (const child of children.reverse()) await stopChild(child);
    await receiver.close();
    rmSync(configDir, { recursive: true, force: true });
  }
}
