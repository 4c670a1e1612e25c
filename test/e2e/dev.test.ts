import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/signing/index.js';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startSandboxProcess } from '../helpers/sandbox.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

describe('stamp7 dev', () => {
  const cleanups: Array<() => Promise<void> | void> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('keeps the signing secret across runs', async () => {
    const config = tempConfigDir();
    cleanups.push(config.cleanup);
    const first = await runCli(['dev', '--print-secret', '--port', '0', '--forward', '3000'], { configDir: config.dir });
    const second = await runCli(['dev', '--print-secret', '--port', '0', '--forward', '3000'], { configDir: config.dir });
    expect(first.exitCode).toBe(0);
    expect(second.exitCode).toBe(0);
    expect(first.stdout).toMatch(/^whsec_\S{20,}$/);
    expect(second.stdout).toBe(first.stdout);
  });

  it('starts a sandbox that trigger reaches on its own', async () => {
    const config = tempConfigDir();
    cleanups.push(config.cleanup);
    const receiver: Receiver = await startReceiver();
    cleanups.push(() => receiver.close());

    // No --port: dev takes the sandbox's default port, or any free one when it is taken.
    const dev = runCli(['dev', '--forward', `${receiver.url}/hooks`], { configDir: config.dir, timeout: 30_000 });
    cleanups.push(() => {
      if (dev.exitCode === null) dev.kill('SIGKILL');
    });
    let stdout = '';
    const ready = new Promise<{ secret: string }>((resolve, reject) => {
      dev.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n').find((text) => text.includes('"type":"ready"'));
        if (line) resolve(JSON.parse(line) as { secret: string });
      });
      void dev.then((result) => reject(new Error(`dev exited with ${result.exitCode}: ${String(result.stderr)}`)));
    });
    const { secret } = await ready;

    const trigger = await runCli(['trigger', 'voucher_redeemed'], { configDir: config.dir });
    expect(trigger.exitCode).toBe(0);
    const [request] = await receiver.waitFor(1, 10_000);
    expect(request!.url).toBe('/hooks');
    expect(request!.headers['x-7stamp-event']).toBe('voucher_redeemed');
    expect(verifySignature({ body: request!.body, header: request!.headers['x-7stamp-signature'], secret }).ok).toBe(true);

    dev.kill('SIGINT');
    const result = await dev;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toContain('stamp7 trigger voucher_redeemed');
    expect(String(result.stderr)).toMatch(/Sandbox running at http:\/\/127\.0\.0\.1:\d+/);
    const lines = String(result.stdout).trim().split('\n').map((line) => JSON.parse(line) as { type: string });
    expect(lines.map((line) => line.type)).toEqual(['ready', 'delivery', 'summary']);
  });

  it('gives the sandbox profile back on exit', async () => {
    const config = tempConfigDir();
    cleanups.push(config.cleanup);
    const sandbox = await startSandboxProcess({ configDir: config.dir });
    cleanups.push(() => sandbox.stop());
    const profileBase = () => (JSON.parse(readFileSync(join(config.dir, 'config.json'), 'utf8')) as { profiles: Record<string, { api_base: string }> }).profiles.sandbox!.api_base;
    expect(profileBase()).toBe(sandbox.url);

    const dev = runCli(['dev', '--port', '0', '--forward', '3000', '--format', 'json'], { configDir: config.dir, timeout: 30_000 });
    cleanups.push(() => {
      if (dev.exitCode === null) dev.kill('SIGKILL');
    });
    await new Promise<void>((resolve, reject) => {
      dev.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('"type":"ready"')) resolve();
      });
      void dev.then((result) => reject(new Error(`dev exited with ${result.exitCode}: ${String(result.stderr)}`)));
    });
    expect(profileBase()).not.toBe(sandbox.url);

    dev.kill('SIGINT');
    expect((await dev).exitCode).toBe(130);
    expect(profileBase()).toBe(sandbox.url);
  });

  it('rejects a missing --forward with exit 2', async () => {
    const config = tempConfigDir();
    cleanups.push(config.cleanup);
    const result = await runCli(['dev'], { configDir: config.dir });
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain('--forward is missing');
  });
});
