import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox.js';

let sandbox: SandboxProcess;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  sandbox = await startSandboxProcess();
});

afterAll(async () => {
  await sandbox?.stop();
});

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function freshConfigDir(): string {
  const { dir, cleanup } = tempConfigDir();
  cleanups.push(cleanup);
  return dir;
}

function readConfigFile(dir: string): { active_profile?: string; profiles?: Record<string, { api_key: string; api_base: string }> } {
  return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
}

describe('login', () => {
  it('stores a checked key with mode 0600', async () => {
    const dir = freshConfigDir();
    const result = await runCli(['--json', 'login', '--api-key', sandbox.apiKey, '--api-base', sandbox.url, '--profile', 'work'], { configDir: dir });
    expect(result.exitCode, String(result.stderr)).toBe(0);

    const output = JSON.parse(String(result.stdout)) as { profile: string; api_key: string; account: { id: string } };
    expect(output.profile).toBe('work');
    expect(output.account.id).toMatch(/^acct_/);
    expect(output.api_key).not.toBe(sandbox.apiKey);
    expect(String(result.stdout) + String(result.stderr)).not.toContain(sandbox.apiKey);

    const config = readConfigFile(dir);
    expect(config.active_profile).toBe('work');
    expect(config.profiles?.work).toEqual(expect.objectContaining({ api_key: sandbox.apiKey, api_base: sandbox.url }));
    if (process.platform !== 'win32') {
      expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    }
  });

  it('creates the config folder with mode 0700', async () => {
    const dir = join(freshConfigDir(), 'nested');
    const result = await runCli(['login', '--api-key', sandbox.apiKey, '--api-base', sandbox.url], { configDir: dir });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    if (process.platform !== 'win32') expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('takes the key from STAMP7_API_KEY', async () => {
    const dir = freshConfigDir();
    const result = await runCli(['login', '--api-base', sandbox.url], { configDir: dir, env: { STAMP7_API_KEY: sandbox.apiKey } });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stdout)).toContain('profile default');
  });

  it('rejects a wrong key with exit 4', async () => {
    const dir = freshConfigDir();
    const wrongKey = `7loc_sc_${'x'.repeat(32)}`;
    const result = await runCli(['login', '--api-key', wrongKey, '--api-base', sandbox.url], { configDir: dir });
    expect(result.exitCode).toBe(4);
    expect(String(result.stderr)).toContain('rejected the API key');
    expect(String(result.stderr)).toContain('API & Integrations');
    expect(existsSync(join(dir, 'config.json'))).toBe(false);
  });

  it('rejects a malformed key without calling the API', async () => {
    const api = await countingServer();
    try {
      const result = await runCli(['login', '--api-key', 'sk_live_123', '--api-base', api.url], { configDir: freshConfigDir() });
      expect(result.exitCode).toBe(2);
      expect(String(result.stderr)).toContain('7loc_sc_');
      expect(String(result.stderr)).not.toContain('sk_live_123');
      expect(api.count()).toBe(0);
    } finally {
      await api.close();
    }
  });

  it('fails at once without a key or a TTY', async () => {
    const started = Date.now();
    const result = await runCli(['login'], { configDir: freshConfigDir(), stdin: 'ignore' });
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain('--api-key');
    expect(String(result.stderr)).toContain('STAMP7_API_KEY');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('profiles', () => {
  it('shows whoami and logs out', async () => {
    const dir = freshConfigDir();
    await runCli(['login', '--api-key', sandbox.apiKey, '--api-base', sandbox.url, '--profile', 'one'], { configDir: dir });
    await runCli(['login', '--api-key', sandbox.apiKey, '--api-base', sandbox.url, '--profile', 'two'], { configDir: dir });

    const whoami = await runCli(['--json', 'whoami', '--profile', 'one'], { configDir: dir });
    expect(whoami.exitCode, String(whoami.stderr)).toBe(0);
    const parsed = JSON.parse(String(whoami.stdout)) as { profile: string; api_base: string; api_key: string; sandbox_fallback: boolean };
    expect(parsed.profile).toBe('one');
    expect(parsed.api_base).toBe(sandbox.url);
    expect(parsed.api_key).toMatch(/^7loc_sc_\*{4}/);
    expect(parsed.sandbox_fallback).toBe(false);

    const text = await runCli(['whoami'], { configDir: dir });
    expect(String(text.stdout)).toMatch(/profile:\s+two/);

    const logout = await runCli(['--json', 'logout'], { configDir: dir });
    expect(JSON.parse(String(logout.stdout))).toEqual({ removed: ['two'], not_logged_in: null });
    const all = await runCli(['--json', 'logout', '--all'], { configDir: dir });
    expect(JSON.parse(String(all.stdout))).toEqual({ removed: ['one'], not_logged_in: null });
    expect(readConfigFile(dir).profiles).toEqual({});
  });

  it('names an unknown profile', async () => {
    const result = await runCli(['whoami'], { configDir: freshConfigDir(), env: { STAMP7_PROFILE: 'ghost' } });
    expect(result.exitCode).toBe(3);
    expect(String(result.stderr)).toContain('profile "ghost" is not logged in');
  });

  it('fails with exit 3 when nothing is logged in', async () => {
    const result = await runCli(['endpoints', 'list'], { configDir: freshConfigDir() });
    expect(result.exitCode).toBe(3);
    expect(String(result.stderr)).toContain('stamp7 login');
    expect(String(result.stderr)).toContain('stamp7 sandbox');
  });

  it('falls back to the running sandbox', async () => {
    const result = await runCli(['--json', 'whoami'], { configDir: sandbox.configDir });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stderr)).toBe(`No profile is logged in: using the local sandbox at ${sandbox.url}`);
    expect(JSON.parse(String(result.stdout)).sandbox_fallback).toBe(true);
  });
});

describe('config file', () => {
  it('moves a corrupted file aside', async () => {
    const dir = freshConfigDir();
    writeFileSync(join(dir, 'config.json'), '{"profiles": {"work": ', { mode: 0o600 });
    const result = await runCli(['whoami'], { configDir: dir });
    expect(result.exitCode).toBe(3);
    expect(String(result.stderr)).toContain(join(dir, 'config.json'));
    expect(String(result.stderr)).not.toContain('    at ');

    const backups = readdirSync(dir).filter((name) => name.startsWith('config.json.broken-'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(dir, backups[0]!), 'utf8')).toBe('{"profiles": {"work": ');
  });
});

describe('completion', () => {
  it('prints a bash script that parses', async () => {
    const result = await runCli(['completion', 'bash']);
    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toContain('complete -o default -F _stamp7 stamp7');
    const check = await execa('bash', ['-n'], { input: String(result.stdout), reject: false });
    expect(check.exitCode, check.stderr).toBe(0);
  });

  // zsh and fish are not on every machine; the skip names the missing shell in the report.
  const hasShell = (shell: string) => execa('sh', ['-c', `command -v ${shell}`], { reject: false }).then((found) => found.exitCode === 0);

  it('prints a zsh script that parses', async (context) => {
    if (!(await hasShell('zsh'))) context.skip('zsh is not installed');
    const result = await runCli(['completion', 'zsh']);
    expect(result.exitCode).toBe(0);
    const check = await execa('zsh', ['-n'], { input: String(result.stdout), reject: false });
    expect(check.exitCode, check.stderr).toBe(0);
  });

  it('completes commands and flags in fish', async (context) => {
    if (!(await hasShell('fish'))) context.skip('fish is not installed');
    const result = await runCli(['completion', 'fish']);
    expect(result.exitCode).toBe(0);
    const script = String(result.stdout);
    const complete = (line: string) => execa('fish', ['--no-config', '-c', `${script}\ncomplete -C "${line}"`], { reject: false });
    const commands = await complete('stamp7 trig');
    expect(commands.stdout).toMatch(/^trigger\t/m);
    const subcommands = await complete('stamp7 endpoints ');
    expect(subcommands.stdout).toMatch(/^rotate-secret\t/m);
    const flags = await complete('stamp7 trigger --ur');
    expect(flags.stdout).toMatch(/^--url\t/m);
  });

  it('rejects an unknown shell', async () => {
    const result = await runCli(['completion', 'tcsh']);
    expect(result.exitCode).toBe(2);
  });
});

describe('proxy', () => {
  it('sends API calls through HTTP_PROXY', async () => {
    const proxy = await startProxy();
    try {
      const proxyUrl = `http://127.0.0.1:${proxy.port}`;
      const result = await runCli(['--json', 'whoami', '--api-base', sandbox.url], {
        configDir: freshConfigDir(),
        env: { STAMP7_API_KEY: sandbox.apiKey, HTTP_PROXY: proxyUrl, http_proxy: proxyUrl, NO_PROXY: '', no_proxy: '' },
      });
      expect(result.exitCode, String(result.stderr)).toBe(0);
      const target = new URL(sandbox.url).host;
      expect(proxy.seen.some((line) => line.includes(target))).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});

/** Starts a server that counts requests, to prove that a command made none. */
async function countingServer(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = createServer((_request, response) => {
    count++;
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => count,
    close: () => closeServer(server),
  };
}

/**
 * Starts a loopback proxy that records each request line: CONNECT tunnels (what undici's proxy
 * agent uses by default) and absolute-URI forwarding for plain HTTP.
 */
async function startProxy(): Promise<{ port: number; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((incoming, outgoing) => {
    seen.push(`${incoming.method} ${incoming.url}`);
    const target = new URL(incoming.url ?? '');
    const upstream = httpRequest(target, { method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  server.on('connect', (incoming, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${incoming.url}`);
    const [host, port] = (incoming.url ?? '').split(':');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream).add(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
