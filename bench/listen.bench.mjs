// The listen tunnel, for bench/run.mjs (module contract in its header), in one run:
// - added latency: time from `POST /v1/events` to the delivery's arrival at a receiver,
//   through sandbox -> relay -> `stamp7 listen` -> receiver, against the same path with
//   the sandbox POSTing straight to the receiver as a webhook endpoint. One event at a
//   time, LATENCY_SAMPLES each; the difference of the percentiles is the tunnel's cost.
// - sustained rate: RATE_COUNT events created by this process (CREATE_CONCURRENCY requests
//   in flight) while `listen --concurrency 16` forwards them; deliveries/s at the receiver,
//   against the same load delivered by the sandbox straight to an endpoint.
// - memory: the listen process's RSS, sampled every RSS_SAMPLE_MS during those deliveries.
// The receiver runs in this process; the sandbox and listen are child processes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const title = 'stamp7 listen: added latency, rate and memory';

const BIN = fileURLToPath(new URL('../bin/stamp7.js', import.meta.url));
const LATENCY_SAMPLES = 300;
const RATE_COUNT = 100_000;
const BASELINE_RATE_COUNT = 20_000;
const CREATE_CONCURRENCY = 32;
const LISTEN_CONCURRENCY = 16;
const RSS_SAMPLE_MS = 500;
const PHASE_TIMEOUT_MS = 180_000;

const now = () => performance.timeOrigin + performance.now();

function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

/** A receiver that notes when each event id arrived, and wakes whoever waits for it. */
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
      // A delivery can arrive before the POST that created it has answered, so arrivals
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
  if (child.exitCode !== null) return;
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

/** Creates events one at a time and returns each one's creation-to-arrival time in ms. */
async function measureLatency(sandbox, agent, receiver) {
  const samples = [];
  for (let index = 0; index < LATENCY_SAMPLES; index++) {
    const started = now();
    const event = await api(sandbox, agent, 'POST', '/v1/events', { type: 'stamp_added' });
    const arrived = await withTimeout(receiver.arrivalOf(event.id), 10_000, `event ${event.id} never arrived`);
    samples.push(arrived - started);
  }
  // The first tenth warms up connections and the JIT on both paths alike.
  return samples.slice(Math.floor(LATENCY_SAMPLES / 10));
}

/** Creates `count` events with CREATE_CONCURRENCY requests in flight and waits for all of them at the receiver. */
async function measureRate(sandbox, agent, receiver, count) {
  receiver.reset();
  const allArrived = withTimeout(receiver.reach(count), PHASE_TIMEOUT_MS, `only ${receiver.count} of ${count} deliveries arrived`);
  const started = now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      await api(sandbox, agent, 'POST', '/v1/events', { type: 'stamp_added' });
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  const createdAt = now();
  const finished = await allArrived;
  return { perSecond: count / ((finished - started) / 1000), createPerSecond: count / ((createdAt - started) / 1000) };
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
    // Latency through the tunnel, then the direct path with the listen session gone.
    let listen = await startListen(listenEnv, ['--forward', `${receiver.url}/tunnel`]);
    children.push(listen);
    const tunnelLatency = await measureLatency(sandbox, agent, receiver);
    await stopChild(listen);
    const endpoint = await api(sandbox, agent, 'POST', '/v1/webhook_endpoints', { url: `${receiver.url}/direct` });
    const directLatency = await measureLatency(sandbox, agent, receiver);

    // The baseline rate: the sandbox delivering straight to the endpoint.
    const direct = await measureRate(sandbox, agent, receiver, BASELINE_RATE_COUNT);
    await api(sandbox, agent, 'DELETE', `/v1/webhook_endpoints/${endpoint.id}`);

    // The tunnel's rate and memory over RATE_COUNT deliveries.
    listen = await startListen(listenEnv, ['--forward', `${receiver.url}/tunnel`, '--concurrency', String(LISTEN_CONCURRENCY)]);
    children.push(listen);
    const rss = [];
    const sampler = setInterval(() => rss.push({ delivered: receiver.count, mb: rssMegabytes(listen.pid) }), RSS_SAMPLE_MS);
    const tunnel = await measureRate(sandbox, agent, receiver, RATE_COUNT);
    clearInterval(sampler);
    const finalRss = rssMegabytes(listen.pid);
    await stopChild(listen);

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
        { metric: `rate sandbox -> listen --concurrency ${LISTEN_CONCURRENCY} -> receiver`, value: `${Math.round(tunnel.perSecond)} deliveries/s`, baseline: `${Math.round(direct.perSecond)} deliveries/s direct`, ratio: Number((tunnel.perSecond / direct.perSecond).toFixed(2)), target: '>= 3000/s', met: tunnel.perSecond >= 3000 },
        { metric: `listen RSS after ${RATE_COUNT.toLocaleString('en')} deliveries`, value: fmt(finalRss, 'MB'), baseline: `${fmt(afterWarmUp?.mb ?? NaN, 'MB')} after ${afterWarmUp?.delivered ?? 0}`, ratio: Number((finalRss / (afterWarmUp?.mb ?? finalRss)).toFixed(2)), target: '< 100 MB, flat', met: peak < 100 && growth < 10 },
      ],
      notes: [
        `Latency: ${LATENCY_SAMPLES} events created one at a time (the first tenth dropped as warm-up); time from POST /v1/events to arrival at a receiver in the benchmark process. Tunnel p50/p99 ${fmt(percentile(tunnelLatency, 0.5), 'ms')} / ${fmt(percentile(tunnelLatency, 0.99), 'ms')}, direct ${fmt(percentile(directLatency, 0.5), 'ms')} / ${fmt(percentile(directLatency, 0.99), 'ms')}.`,
        `Rate: events created with ${CREATE_CONCURRENCY} requests in flight (creation alone ran at ${Math.round(tunnel.createPerSecond)} events/s during the tunnel run), so the figure is capped by whichever of creation, sandbox and listen is slowest; sandbox, listen and this process share the machine's cores.`,
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
