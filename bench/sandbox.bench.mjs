// The sandbox, for bench/run.mjs (module contract in its header), in one run:
// - delivery rate: ENDPOINTS endpoints on one local receiver and EVENTS events created by
//   this process (CREATE_CONCURRENCY requests in flight), so ENDPOINTS x EVENTS deliveries.
//   The rate is deliveries/s seen at the receiver from the first POST to the last arrival. Run
//   once with the journal on (the default mode) and once with --ephemeral. The baseline is
//   autocannon posting a body of the same size to the same receiver, in the same run.
// - memory: the sandbox's RSS after MEMORY_EVENTS events, each delivered to one endpoint,
//   with --ephemeral and the default retention of 10,000 events; the baseline is its RSS
//   after half of them, so the ratio shows whether memory stays bounded. Creation pauses
//   while more than MAX_BACKLOG deliveries are due.
// The receiver runs in its own child process; the sandbox is the built CLI in another.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const title = 'stamp7 sandbox: delivery rate and memory';

const BIN = fileURLToPath(new URL('../bin/stamp7.js', import.meta.url));
const ENDPOINTS = 20;
const EVENTS = 1_000;
const MEMORY_EVENTS = 100_000;
const MEMORY_STEP = 10_000;
const CREATE_CONCURRENCY = 32;
// One endpoint takes deliveries more slowly than 32 clients create events, so the memory
// phase keeps the backlog under this many, and retention never has to drop pending ones.
const MAX_BACKLOG = 2_000;
const BASELINE_SECONDS = 5;
const BASELINE_CONNECTIONS = 64;
const TARGET_RATE = 3_000;
/**
 * The memory row passes when no RSS sample in the second half exceeds the one at half the
 * events by more than this factor. From a 200 MiB start, a leak of about 2 KiB per event
 * reaches it; smaller leaks need a longer run to show.
 */
const MAX_MEMORY_GROWTH = 1.5;
const PHASE_TIMEOUT_MS = 180_000;

// The receiver child counts requests and reports the count over IPC when asked.
const RECEIVER_SOURCE = `
const { createServer } = require('node:http');
let count = 0;
const server = createServer((incoming, response) => {
  incoming.on('data', () => {});
  incoming.on('end', () => {
    count += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'count') process.send({ count });
  if (message === 'reset') { count = 0; process.send({ reset: true }); }
  if (message === 'stop') server.close(() => process.exit(0));
});
`;

async function startReceiver() {
  const child = spawn(process.execPath, ['-e', RECEIVER_SOURCE], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const [first] = await once(child, 'message');
  const ask = async (question, key) => {
    child.send(question);
    for (;;) {
      const [answer] = await once(child, 'message');
      if (key in answer) return answer[key];
    }
  };
  return {
    url: `http://127.0.0.1:${first.port}`,
    count: () => ask('count', 'count'),
    reset: () => ask('reset', 'reset'),
    async stop() {
      child.send('stop');
      await once(child, 'exit');
    },
  };
}

async function startSandbox(args, configDir) {
  const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', '--json', '--quiet', ...args], {
    env: { ...process.env, STAMP7_CONFIG_DIR: configDir, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  const ready = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n').find((text) => text.includes('"ready"'));
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`the sandbox exited with code ${code}`)));
  });
  return {
    url: ready.url,
    apiKey: ready.api_key,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: CREATE_CONCURRENCY });

function call(sandbox, method, path, body) {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const outgoing = request(`${sandbox.url}${path}`, {
      method,
      agent,
      headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
    }, (response) => {
      let answer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (answer += chunk));
      response.on('end', () => (response.statusCode < 300 ? resolve(JSON.parse(answer)) : reject(new Error(`${method} ${path}: ${response.statusCode} ${answer}`))));
    });
    outgoing.on('error', reject);
    outgoing.end(text);
  });
}

/** Creates `count` events; with `receiver`, creation pauses while more than MAX_BACKLOG deliveries are on their way. */
async function createEvents(sandbox, count, receiver, alreadyDelivered = 0) {
  let next = 0;
  let paused;
  const worker = async () => {
    while (next < count) {
      next += 1;
      if (receiver && next % 500 === 0) {
        paused ??= waitForCount(receiver, alreadyDelivered + next - MAX_BACKLOG).finally(() => (paused = undefined));
      }
      if (paused) await paused;
      await call(sandbox, 'POST', '/v1/events', { type: 'stamp_added' });
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
}

async function waitForCount(receiver, target) {
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  for (;;) {
    const count = await receiver.count();
    if (count >= target) return performance.now();
    if (Date.now() > deadline) throw new Error(`the receiver got ${count} of ${target} deliveries within ${PHASE_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function rssMiB(pid) {
  // NOTE: reads /proc, so the memory row needs Linux.
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function deliveryRate(receiver, args, configDir) {
  const sandbox = await startSandbox(args, configDir);
  try {
    for (let index = 0; index < ENDPOINTS; index++) await call(sandbox, 'POST', '/v1/webhook_endpoints', { url: `${receiver.url}/hook/${index}` });
    await receiver.reset();
    const started = performance.now();
    await createEvents(sandbox, EVENTS);
    const finished = await waitForCount(receiver, ENDPOINTS * EVENTS);
    return (ENDPOINTS * EVENTS) / ((finished - started) / 1000);
  } finally {
    await sandbox.stop();
  }
}

async function baselineRate(receiver, bodyBytes) {
  const result = await autocannon({
    url: `${receiver.url}/baseline`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: 'x'.repeat(bodyBytes),
    connections: BASELINE_CONNECTIONS,
    duration: BASELINE_SECONDS,
  });
  return result.requests.average;
}

async function memoryAfterEvents(receiver, configDir) {
  const sandbox = await startSandbox(['--ephemeral'], configDir);
  try {
    const idle = rssMiB(sandbox.pid);
    await call(sandbox, 'POST', '/v1/webhook_endpoints', { url: `${receiver.url}/memory` });
    await receiver.reset();
    await createEvents(sandbox, MEMORY_EVENTS / 2, receiver);
    await waitForCount(receiver, MEMORY_EVENTS / 2);
    const half = rssMiB(sandbox.pid);

    // RSS includes heap that V8 reserves and frees as it likes, so one sample is noisy;
    // the second half is sampled every MEMORY_STEP events and the largest sample counts.
    const samples = [];
    for (let done = MEMORY_EVENTS / 2; done < MEMORY_EVENTS; done += MEMORY_STEP) {
      await createEvents(sandbox, MEMORY_STEP, receiver, done);
      await waitForCount(receiver, done + MEMORY_STEP);
      samples.push(rssMiB(sandbox.pid));
    }
    return { idle, half, loaded: samples.at(-1), largest: Math.max(...samples), smallest: Math.min(...samples) };
  } finally {
    await sandbox.stop();
  }
}

export async function run() {
  const receiver = await startReceiver();
  const configDir = mkdtempSync(join(tmpdir(), 'stamp7-bench-sandbox-'));
  try {
    const { buildEvent } = await import('../dist/events/build.js');
    const bodyBytes = buildEvent('stamp_added').body.length;
    const baseline = await baselineRate(receiver, bodyBytes);
    const journaled = await deliveryRate(receiver, ['--data-dir', join(configDir, 'data')], configDir);
    const ephemeral = await deliveryRate(receiver, ['--ephemeral'], configDir);
    const memory = await memoryAfterEvents(receiver, configDir);
    const rate = (value) => `${Math.round(value).toLocaleString('en-US')}/s`;
    return {
      rows: [
        { metric: `deliveries/s, ${ENDPOINTS} endpoints x ${EVENTS} events, journal on`, value: rate(journaled), baseline: `${rate(baseline)} (autocannon)`, ratio: (journaled / baseline).toFixed(2), target: `≥ ${TARGET_RATE}/s`, met: journaled >= TARGET_RATE },
        { metric: `deliveries/s, ${ENDPOINTS} endpoints x ${EVENTS} events, --ephemeral`, value: rate(ephemeral), baseline: `${rate(baseline)} (autocannon)`, ratio: (ephemeral / baseline).toFixed(2), target: `≥ ${TARGET_RATE}/s`, met: ephemeral >= TARGET_RATE },
        {
          metric: `RSS after ${MEMORY_EVENTS.toLocaleString('en-US')} events (--ephemeral, retention 10,000)`,
          value: `${memory.loaded.toFixed(0)} MiB (largest sample ${memory.largest.toFixed(0)})`,
          baseline: `${memory.half.toFixed(0)} MiB after ${(MEMORY_EVENTS / 2).toLocaleString('en-US')}`,
          ratio: (memory.largest / memory.half).toFixed(2),
          target: `largest ≤ ${MAX_MEMORY_GROWTH}x (bounded)`,
          met: memory.largest / memory.half <= MAX_MEMORY_GROWTH,
        },
      ],
      notes: [
        `Each delivery body is a stamp_added event of ${bodyBytes} bytes; autocannon posts the same number of bytes with ${BASELINE_CONNECTIONS} connections for ${BASELINE_SECONDS} s.`,
        `Events are created by ${CREATE_CONCURRENCY} concurrent POST /v1/events requests, and the rate counts from the first POST to the last arrival, so event creation is part of it.`,
        'The receiver and the sandbox each run in their own process; with the journal on, every answer waits for an fdatasync of its batch.',
        `The sandbox used ${memory.idle.toFixed(0)} MiB right after start. Between ${(MEMORY_EVENTS / 2).toLocaleString('en-US')} and ${MEMORY_EVENTS.toLocaleString('en-US')} events its RSS samples ranged from ${memory.smallest.toFixed(0)} to ${memory.largest.toFixed(0)} MiB; RSS includes heap that V8 has reserved but does not use, so it moves without a leak.`,
      ],
    };
  } finally {
    await receiver.stop();
    rmSync(configDir, { recursive: true, force: true });
  }
}
