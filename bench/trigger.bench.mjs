// Start-up and throughput of `stamp7 trigger`, for bench/run.mjs (module contract in its header).
// Start-up: wall time of each command spawned from this process, median of RUNS runs,
// against `node -e 0`, with the runs of all commands interleaved so drift hits each alike.
// Throughput: `trigger --count 20000 --concurrency 64` against autocannon (programmatic API,
// 64 connections, the same body size) posting to the same receiver, which runs in its own
// child process so neither client shares an event loop with it.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const title = 'stamp7 trigger: start-up and throughput';

const BIN = fileURLToPath(new URL('../bin/stamp7.js', import.meta.url));
const RUNS = 21;
const ROUNDS = 3;
const COUNT = 20_000;
const CONCURRENCY = 64;
const SECRET = 'whsec_benchmarkSecret';

// A minimal receiver: reads the body, responds 200 with a short JSON body, keeps connections alive.
const RECEIVER = `
const http = require('node:http');
const server = http.createServer((request, response) => {
  request.on('data', () => {});
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}'));
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

async function startReceiver() {
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = await once(child.stdout, 'data');
  return { child, url: `http://127.0.0.1:${Number(String(chunk).trim())}/webhooks` };
}

function timeRun(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', CI: '1' } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${String(result.stderr).slice(0, 300)}`);
  return ms;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const ms = (value) => `${value.toFixed(1)} ms`;
const ratio = (value) => Number(value.toFixed(2));

export async function run() {
  const receiver = await startReceiver();
  try {
    const commands = {
      node: ['-e', '0'],
      version: [BIN, '--version'],
      help: [BIN, '--help'],
      trigger: [BIN, 'trigger', 'ping', '--url', receiver.url, '--secret', SECRET],
    };
    const samples = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
    for (const args of Object.values(commands)) timeRun(args);
    for (let index = 0; index < RUNS; index++) {
      for (const [name, args] of Object.entries(commands)) samples[name].push(timeRun(args));
    }
    const medians = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));

    // The same body size as a trigger of ping: build one the way trigger does.
    const { buildEvent } = await import('../dist/events/build.js');
    const body = buildEvent('ping').body;
    const headers = { 'content-type': 'application/json', 'x-7stamp-signature': `t=1800000000,v1=${'0'.repeat(64)}` };

    // autocannon's own `duration` is counted in whole seconds of its sampler, so both clients
    // are timed here by the wall clock. Rounds alternate and the median round counts, because
    // other work on a shared machine moves single runs by a factor of two.
    await autocannon({ url: receiver.url, method: 'POST', body, headers, connections: CONCURRENCY, amount: 2_000 });
    const cannonRates = [];
    const triggerRates = [];
    const triggerWallMs = [];
    let cannonErrors = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const cannonStarted = process.hrtime.bigint();
      const cannon = await autocannon({ url: receiver.url, method: 'POST', body, headers, connections: CONCURRENCY, amount: COUNT });
      cannonRates.push((cannon.requests.total * 1e9) / Number(process.hrtime.bigint() - cannonStarted));
      cannonErrors += cannon.errors + cannon.non2xx;

      const started = process.hrtime.bigint();
      const trigger = spawnSync(process.execPath, [BIN, 'trigger', 'ping', '--url', receiver.url, '--secret', SECRET, '--count', String(COUNT), '--concurrency', String(CONCURRENCY)], {
        env: { ...process.env, NO_COLOR: '1', CI: '1' },
        maxBuffer: 64 * 1024 * 1024,
      });
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (trigger.status !== 0) throw new Error(`trigger --count exited ${trigger.status}: ${String(trigger.stderr).slice(0, 300)}`);
      const reported = /\(([\d.]+) req\/s\)/.exec(String(trigger.stdout));
      triggerRates.push(reported ? Number(reported[1]) : (COUNT * 1000) / wallMs);
      triggerWallMs.push(wallMs);
    }
    const cannonRate = median(cannonRates);
    const triggerRate = median(triggerRates);

    const versionRatio = medians.version / medians.node;
    const helpRatio = medians.help / medians.node;
    const triggerRatio = medians.trigger / medians.node;
    const throughputRatio = triggerRate / cannonRate;
    return {
      rows: [
        { metric: '`stamp7 --version` wall time (median)', value: ms(medians.version), baseline: `\`node -e 0\` ${ms(medians.node)}`, ratio: ratio(versionRatio), target: '≤ 1.3', met: versionRatio <= 1.3 },
        { metric: '`stamp7 --help` wall time (median)', value: ms(medians.help), baseline: `\`node -e 0\` ${ms(medians.node)}`, ratio: ratio(helpRatio), target: 'none, reported', met: true },
        { metric: 'one `stamp7 trigger ping --url` (median)', value: ms(medians.trigger), baseline: `\`node -e 0\` ${ms(medians.node)}`, ratio: ratio(triggerRatio), target: '≤ 2', met: triggerRatio <= 2 },
        {
          metric: `\`trigger --count ${COUNT} --concurrency ${CONCURRENCY}\` req/s`,
          value: Math.round(triggerRate),
          baseline: `autocannon ${Math.round(cannonRate)}`,
          ratio: ratio(throughputRatio),
          target: '≥ 0.5',
          met: throughputRatio >= 0.5,
        },
      ],
      notes: [
        `Start-up figures are medians of ${RUNS} runs per command, spawned with spawnSync and timed around the spawn.`,
        `One trigger sends a signed ping to a local receiver (a node:http server in a child process) and waits for the 200.`,
        `Throughput: stamp7 builds and signs a fresh event per delivery (${body.length}-byte body); autocannon posts a fixed ${body.length}-byte body with the same content type and a signature-sized header. ` +
          `Each client ran ${ROUNDS} alternating rounds of ${COUNT} requests and the median round is shown. stamp7's rate is the one it reports (deliveries over its sending time); ` +
          `autocannon's is requests over the wall time of its call.`,
        `Rounds: stamp7 ${triggerRates.map((rate) => Math.round(rate)).join(', ')} req/s (whole process ${triggerWallMs.map((wall) => (wall / 1000).toFixed(2)).join(', ')} s, start-up included); ` +
          `autocannon ${cannonRates.map((rate) => Math.round(rate)).join(', ')} req/s with ${cannonErrors} errors or non-2xx responses.`,
      ],
    };
  } finally {
    receiver.child.kill('SIGTERM');
    await once(receiver.child, 'exit');
  }
}
