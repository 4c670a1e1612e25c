// The end-to-end demo behind `npm run demo`: a local sandbox, a tunnel and a receiver that
// verifies every delivery, with no account and no network. It uses a throw-away config
// folder, so it never touches a logged-in profile, and exits non-zero when any delivery
// fails to arrive verified.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constructEvent } from '../dist/index.js';

const BIN = fileURLToPath(new URL('../bin/stamp7.js', import.meta.url));
const STEP_TIMEOUT_MS = 20_000;
const configDir = mkdtempSync(join(tmpdir(), 'stamp7-demo-'));
const env = { ...process.env, STAMP7_CONFIG_DIR: configDir, STAMP7_API_KEY: '', STAMP7_PROFILE: '', STAMP7_API_BASE: '' };
if (process.stdout.isTTY && env.NO_COLOR === undefined) env.FORCE_COLOR = '1';
const children = [];

function heading(text) {
  process.stdout.write(`\n== ${text}\n`);
}

/** Runs stamp7 with its output shown. It must not block, because the receiver shares this event loop. */
function stamp7(args, extraEnv = {}) {
  process.stdout.write(`$ stamp7 ${args.join(' ')}\n`);
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A receiver that verifies each delivery over its raw bytes, as a real backend should. */
function startReceiver(secret) {
  const verified = [];
  let failures = 0;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      try {
        const event = constructEvent(Buffer.concat(chunks), request.headers['x-7stamp-signature'], secret);
        verified.push(event.id);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      } catch (error) {
        failures += 1;
        response.writeHead(400).end(error.message);
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port, verified, failures: () => failures }));
  });
}

function waitFor(condition, what) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (condition()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > STEP_TIMEOUT_MS) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 25);
  });
}

async function main() {
  heading('The signing secret of this machine\'s listen sessions (stable across runs)');
  const secretRun = spawnSync(process.execPath, [BIN, 'dev', '--print-secret', '--port', '0', '--forward', '3000'], { env, encoding: 'utf8' });
  const secret = secretRun.stdout.trim();
  if (secretRun.status !== 0 || !secret.startsWith('whsec_')) throw new Error(`stamp7 dev --print-secret failed: ${secretRun.stderr}`);
  process.stdout.write(`whsec_****${secret.slice(-4)}; the demo hands it to the receiver and to stamp7 as STAMP7_WEBHOOK_SECRET\n`);

  const receiver = await startReceiver(secret);
  const target = `127.0.0.1:${receiver.port}/webhooks`;
  process.stdout.write(`A receiver that verifies signatures listens on http://${target}\n`);

  heading(`stamp7 dev --forward ${target}`);
  const dev = spawn(process.execPath, [BIN, 'dev', '--port', '0', '--forward', target, '--format', 'text'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(dev);
  let devErr = '';
  dev.stdout.pipe(process.stdout);
  dev.stderr.on('data', (chunk) => {
    devErr += chunk.toString();
    process.stderr.write(chunk);
  });
  await waitFor(() => devErr.includes('Ready.'), 'stamp7 dev to be ready');

  heading('Events created through the sandbox API reach the tunnel, which forwards them');
  for (const event of ['voucher_redeemed', 'stamp_added', 'birthday']) {
    if ((await stamp7(['trigger', event])) !== 0) throw new Error(`stamp7 trigger ${event} failed`);
  }
  await waitFor(() => receiver.verified.length >= 3, 'three forwarded deliveries');

  heading('An event fired straight at the receiver');
  const withSecret = { STAMP7_WEBHOOK_SECRET: secret };
  const direct = await stamp7(['trigger', 'card_issued', '--url', `http://${target}`], withSecret);
  if (direct !== 0) throw new Error('stamp7 trigger --url failed');

  // Counted before `check`, whose forged deliveries the receiver is meant to reject.
  const verifiedBeforeCheck = receiver.verified.length;
  const rejectedBeforeCheck = receiver.failures();

  heading('Does the receiver reject forged deliveries? stamp7 check finds out');
  const check = await stamp7(['check', `http://${target}`, '--events', 'voucher_redeemed,stamp_added'], withSecret);

  dev.kill('SIGINT');
  await new Promise((resolve) => dev.once('exit', resolve));
  receiver.server.close();

  heading('Result');
  const ok = rejectedBeforeCheck === 0 && verifiedBeforeCheck === 4 && check === 0;
  process.stdout.write(`${verifiedBeforeCheck} of 4 deliveries verified by the receiver, ${rejectedBeforeCheck} rejected; stamp7 check ${check === 0 ? 'passed' : 'failed'}.\n`);
  process.stdout.write(ok ? 'Demo finished: everything arrived signed and verified.\n' : 'Demo failed: see the lines above.\n');
  return ok ? 0 : 1;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  process.stderr.write(`demo failed: ${error.message}\n`);
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(configDir, { recursive: true, force: true });
}
process.exit(exitCode);
