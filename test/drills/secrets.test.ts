import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox.js';

/**
 * Runs a representative set of commands with known secrets, keeps every stdout, stderr,
 * recording and data file they produce, and counts each full secret in each of them. A
 * secret may appear only where the user asked for it: once on `endpoints add` and
 * `rotate-secret`, with `--print-secret` and `--reveal-secret`, in the sandbox's own ready
 * line, and in the JSON ready line of `listen`. docs/listen.md documents that last one for
 * programs that read the stream.
 */

const TRIGGER_SECRET = 'whsec_drill_trigger_secret_0123456789';
const ENV_SECRET = 'whsec_drill_env_secret_abcdefghijkl';
const WRONG_SECRET = 'whsec_drill_wrong_secret_zyxwvutsrq';
const WRONG_KEY = `7loc_sc_${'drillwrongkey'.repeat(3)}`;

interface Capture {
  label: string;
  text: string;
}

const captures: Capture[] = [];
/** Secret value to the labels of the captures allowed to contain it, with the count allowed in each. */
const allowed = new Map<string, Map<string, number>>();
const secrets = new Map<string, string>();

let sandbox: SandboxProcess;
let receiver: Receiver;
let work: { dir: string; cleanup: () => void };
let dataDir: string;

function allow(secret: string, label: string, count: number): void {
  if (!allowed.has(secret)) allowed.set(secret, new Map());
  allowed.get(secret)!.set(label, count);
}

async function capture(label: string, args: string[], env: Record<string, string> = {}, input?: string) {
  const result = await runCli(args, {
    configDir: work.dir,
    env: { STAMP7_API_BASE: sandbox.url, STAMP7_API_KEY: sandbox.apiKey, ...env },
    ...(input === undefined ? {} : { input }),
  });
  captures.push({ label: `${label} stdout`, text: String(result.stdout) }, { label: `${label} stderr`, text: String(result.stderr) });
  return result;
}

function countOf(text: string, secret: string): number {
  return text.split(secret).length - 1;
}

beforeAll(async () => {
  receiver = await startReceiver();
  work = tempConfigDir();
  dataDir = join(work.dir, 'sandbox-data');
  sandbox = await startSandboxProcess({ dataDir, timeScale: 100 });
  secrets.set('sandbox API key', sandbox.apiKey);
  secrets.set('trigger secret', TRIGGER_SECRET);
  secrets.set('environment secret', ENV_SECRET);
  secrets.set('wrong secret', WRONG_SECRET);
  secrets.set('wrong API key', WRONG_KEY);
  allow(sandbox.apiKey, 'sandbox ready line', 1);
}, 30_000);

afterAll(async () => {
  await sandbox?.stop();
  await receiver?.close();
  work?.cleanup();
});

describe('secrets in output', () => {
  it('appear only where requested', async () => {
    const hook = `${receiver.url}/hook`;

    // Endpoints: the secret shows once on creation and rotation, and on --reveal-secret.
    const added = await capture('endpoints add', ['--json', 'endpoints', 'add', hook, '--events', 'all']);
    expect(added.exitCode, String(added.stderr)).toBe(0);
    const endpoint = JSON.parse(String(added.stdout)) as { id: string; secret: string };
    secrets.set('endpoint secret', endpoint.secret);
    allow(endpoint.secret, 'endpoints add stdout', 1);

    const addedText = await capture('endpoints add (text)', ['endpoints', 'add', hook, '--events', 'voucher_redeemed']);
    expect(addedText.exitCode, String(addedText.stderr)).toBe(0);
    const textSecret = /whsec_[A-Za-z0-9_-]+/.exec(String(addedText.stdout) + String(addedText.stderr))?.[0];
    expect(textSecret, 'the text form shows the new secret').toBeDefined();
    secrets.set('second endpoint secret', textSecret!);
    allow(textSecret!, 'endpoints add (text) stdout', 1);
    allow(textSecret!, 'endpoints add (text) stderr', 1);

    await capture('endpoints list', ['endpoints', 'list']);
    await capture('endpoints list json', ['--json', 'endpoints', 'list']);
    await capture('endpoints show', ['endpoints', 'show', endpoint.id]);
    await capture('endpoints show debug', ['--debug', '--json', 'endpoints', 'show', endpoint.id]);
    const revealed = await capture('endpoints show --reveal-secret', ['endpoints', 'show', endpoint.id, '--reveal-secret']);
    expect(String(revealed.stdout)).toContain(endpoint.secret);
    allow(endpoint.secret, 'endpoints show --reveal-secret stdout', 1);

    const rotated = await capture('endpoints rotate-secret', ['--json', 'endpoints', 'rotate-secret', endpoint.id, '--grace', '1h']);
    expect(rotated.exitCode, String(rotated.stderr)).toBe(0);
    const newSecret = (JSON.parse(String(rotated.stdout)) as { secret: string }).secret;
    secrets.set('rotated endpoint secret', newSecret);
    allow(newSecret, 'endpoints rotate-secret stdout', 1);
    const afterRotation = await capture('endpoints show --reveal-secret after rotation', ['--json', 'endpoints', 'show', endpoint.id, '--reveal-secret']);
    allow(newSecret, 'endpoints show --reveal-secret after rotation stdout', 1);
    allow(endpoint.secret, 'endpoints show --reveal-secret after rotation stdout', 1);
    expect(String(afterRotation.stdout)).toContain(newSecret);
    await capture('endpoints show after rotation', ['--debug', 'endpoints', 'show', endpoint.id]);

    // Events through the API reach the endpoint; the sandbox signs with the endpoint secret.
    await capture('trigger via API', ['--debug', 'trigger', 'voucher_redeemed', '--wait']);
    await capture('events list', ['--debug', 'events', 'list']);
    await capture('deliveries list', ['--debug', '--json', 'deliveries', 'list']);

    // trigger --url with a flag secret, an environment secret and --print-secret.
    await capture('trigger --secret', ['trigger', 'ping', '--url', hook, '--secret', TRIGGER_SECRET]);
    await capture('trigger --secret debug verbose', ['--debug', 'trigger', 'ping', '--url', hook, '--secret', TRIGGER_SECRET, '--verbose']);
    await capture('trigger --secret json', ['--json', 'trigger', 'ping', '--url', hook, '--secret', TRIGGER_SECRET, '--count', '3']);
    await capture('trigger env secret', ['--debug', 'trigger', 'stamp_added', '--url', hook], { STAMP7_WEBHOOK_SECRET: ENV_SECRET });
    await capture('trigger to a refused port', ['--debug', 'trigger', 'ping', '--url', 'http://127.0.0.1:1/', '--secret', TRIGGER_SECRET]);
    const printed = await capture('trigger --print-secret', ['trigger', '--print-secret', '--secret', TRIGGER_SECRET]);
    allow(TRIGGER_SECRET, 'trigger --print-secret stdout', countOf(String(printed.stdout), TRIGGER_SECRET) > 0 ? 1 : 0);

    // sign and verify, with a good and a wrong secret.
    const bodyFile = join(work.dir, 'body.json');
    writeFileSync(bodyFile, '{"id":"evt_secret","event":"ping"}');
    const signed = await capture('sign', ['--debug', 'sign', bodyFile, '--secret', TRIGGER_SECRET]);
    const header = String(signed.stdout).trim().replace(/^X-7stamp-Signature:\s*/i, '');
    await capture('verify', ['--debug', 'verify', bodyFile, '--header', header, '--secret', TRIGGER_SECRET]);
    const wrong = await capture('verify wrong secret', ['--debug', 'verify', bodyFile, '--header', header, '--secret', WRONG_SECRET]);
    expect(wrong.exitCode).toBe(1);
    await capture('verify wrong secret json', ['--json', 'verify', bodyFile, '--header', header, '--secret', WRONG_SECRET]);

    // A wrong API key, with and without --debug.
    const rejected = await capture('whoami wrong key', ['--debug', 'whoami'], { STAMP7_API_KEY: WRONG_KEY });
    expect(rejected.exitCode).toBe(4);
    await capture('endpoints list wrong key', ['--json', 'endpoints', 'list'], { STAMP7_API_KEY: WRONG_KEY });
    await capture('whoami', ['--debug', 'whoami']);
    await capture('login wrong key', ['--debug', 'login', '--api-key', WRONG_KEY, '--api-base', sandbox.url]);

    // check signs its battery with the flag secret.
    await capture('check', ['--debug', 'check', hook, '--secret', TRIGGER_SECRET, '--events', 'ping']);

    // listen with a recording; the JSON ready line carries the session secret by design.
    const recording = join(work.dir, 'recording.ndjson');
    const listen = runCli(['--debug', 'listen', '--forward', hook, '--record', recording, '--exit-after', '2', '--format', 'json', '--max-duration', '30s'], {
      configDir: work.dir,
      env: { STAMP7_API_BASE: sandbox.url, STAMP7_API_KEY: sandbox.apiKey },
    });
    const listenReady = await waitForLine(listen, '"type":"ready"', 20_000);
    const sessionSecret = (JSON.parse(listenReady) as { secret: string }).secret;
    secrets.set('listen session secret', sessionSecret);
    for (let index = 0; index < 2; index++) {
      await fetch(`${sandbox.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'stamp_added' }),
      });
    }
    const listened = await listen;
    expect(listened.exitCode, String(listened.stderr)).toBe(0);
    captures.push({ label: 'listen stdout', text: String(listened.stdout) }, { label: 'listen stderr', text: String(listened.stderr) });
    allow(sessionSecret, 'listen stdout', 1);
    captures.push({ label: 'listen recording', text: readFileSync(recording, 'utf8') });
    const printedListen = await capture('listen --print-secret', ['listen', '--print-secret']);
    allow(sessionSecret, 'listen --print-secret stdout', 1);
    expect(String(printedListen.stdout)).toContain(sessionSecret);

    // The sandbox's own output and log lines.
    const output = sandbox.output();
    const [readyLine, ...rest] = output.stdout.split('\n');
    captures.push({ label: 'sandbox ready line', text: readyLine! }, { label: 'sandbox stdout after ready', text: rest.join('\n') }, { label: 'sandbox stderr', text: output.stderr });
    for (const name of readdirSync(dataDir)) {
      if (name.endsWith('.log')) captures.push({ label: `sandbox data ${name}`, text: readFileSync(join(dataDir, name), 'utf8') });
    }

    // Count every secret in every capture.
    const leaks: string[] = [];
    for (const { label, text } of captures) {
      for (const [name, secret] of secrets) {
        const count = countOf(text, secret);
        const limit = allowed.get(secret)?.get(label) ?? 0;
        if (count > limit) leaks.push(`${name} appears ${count} time(s) in "${label}" (allowed ${limit})`);
      }
    }
    expect(leaks).toEqual([]);
    expect(captures.length).toBeGreaterThan(50);
  }, 120_000);
});

describe('file modes', () => {
  it('keeps config and sandbox data owner-only', () => {
    const config = join(work.dir, 'config.json');
    expect(statSync(config).mode & 0o777, 'config.json').toBe(0o600);
    expect(statSync(dataDir).mode & 0o777, 'sandbox data folder').toBe(0o700);
    for (const name of readdirSync(dataDir)) {
      const stat = statSync(join(dataDir, name));
      if (stat.isFile()) expect(stat.mode & 0o077, `sandbox data file ${name}`).toBe(0);
    }
  });

  it('creates the config folder owner-only', async () => {
    const parent = tempConfigDir();
    try {
      const fresh = join(parent.dir, 'fresh', 'stamp7');
      const result = await runCli(['trigger', 'ping', '--url', `${receiver.url}/mode`], { configDir: fresh });
      expect(result.exitCode, String(result.stderr)).toBe(0);
      expect(statSync(fresh).mode & 0o777).toBe(0o700);
      expect(statSync(join(fresh, 'config.json')).mode & 0o777).toBe(0o600);
    } finally {
      parent.cleanup();
    }
  });
});

describe('sandbox access', () => {
  it('rejects every route without its key', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/v1/account'],
      ['GET', '/v1/webhook_endpoints'],
      ['GET', '/v1/webhook_endpoints/we_any/secret'],
      ['POST', '/v1/events'],
      ['GET', '/v1/deliveries'],
      ['POST', '/v1/listen_sessions'],
    ];
    for (const [method, path] of routes) {
      const response = await fetch(`${sandbox.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(response.status, `${method} ${path}`).toBe(401);
      const body = (await response.json()) as { error: { code: string } };
      expect(body.error.code, `${method} ${path}`).toBe('unauthorized');
    }
    expect((await fetch(`${sandbox.url}/v1/health`)).status, 'the health check needs no key').toBe(200);
  });

  it('closes a listen socket without a token', async () => {
    // The listen protocol upgrades first, then closes with 4001 before any delivery frame.
    const { WebSocket } = await import('ws');
    const opened = await fetch(`${sandbox.url}/v1/listen_sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const session = (await opened.json()) as { ws_url: string };
    for (const headers of [{}, { authorization: 'Bearer lst_wrong' }, { authorization: `Bearer ${sandbox.apiKey}` }]) {
      const socket = new WebSocket(session.ws_url, { headers });
      const types: string[] = [];
      socket.on('message', (data) => types.push((JSON.parse(String(data)) as { type: string }).type));
      const code = await new Promise<number>((resolve) => {
        socket.on('close', (closeCode) => resolve(closeCode));
        socket.on('error', () => undefined);
      });
      expect(code, JSON.stringify(headers)).toBe(4001);
      expect(types.filter((type) => type !== 'error'), JSON.stringify(headers)).toEqual([]);
    }
  });

  it('binds loopback by default', (context) => {
    // /proc/net/tcp lists listening sockets without sending anything; other systems skip.
    if (!existsSync('/proc/net/tcp')) context.skip();
    const port = Number(new URL(sandbox.url).port);
    const portHex = port.toString(16).toUpperCase().padStart(4, '0');
    const listening = ['/proc/net/tcp', '/proc/net/tcp6']
      .filter((path) => existsSync(path))
      .flatMap((path) => readFileSync(path, 'utf8').split('\n').slice(1))
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[1]?.endsWith(`:${portHex}`) && fields[3] === '0A')
      .map((fields) => fields[1]!.split(':')[0]!);
    expect(listening.length, 'the sandbox port is listening').toBeGreaterThan(0);
    // 127.0.0.1 in the little-endian hex of /proc/net/tcp.
    expect(listening).toEqual(listening.map(() => '0100007F'));
  });
});

/** Resolves with the first stdout line of a running command that contains `needle`. */
function waitForLine(child: ReturnType<typeof runCli>, needle: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`no line with ${needle} within ${timeoutMs} ms: ${buffered}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((candidate) => candidate.includes(needle));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
  });
}
