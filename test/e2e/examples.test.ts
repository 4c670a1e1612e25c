import { resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// Each example is started as a user would start it (node server.mjs, the secret and port in
// the environment) and must pass every case of stamp7 check. The examples import 'stamp7'
// by package self-reference, which resolves to the built dist/ of this repository.
const EXAMPLES = ['node-http', 'express', 'fastify'];
const SECRET = 'whsec_examples_e2e_0123456789abcdef';
const START_TIMEOUT_MS = 10_000;

interface RunningExample {
  url: string;
  output: () => string;
  process: ResultPromise;
}

const running: RunningExample[] = [];
afterEach(async () => {
  for (const example of running.splice(0)) {
    example.process.kill('SIGTERM');
    await example.process.catch(() => undefined);
  }
});

/** Starts an example on port 0 and resolves with the URL it prints once it listens. */
async function startExample(name: string): Promise<RunningExample> {
  const child = execa('node', [resolve(import.meta.dirname, '../../examples', name, 'server.mjs')], {
    env: { STAMP7_WEBHOOK_SECRET: SECRET, PORT: '0', HOST: '127.0.0.1' },
    reject: false,
    buffer: false,
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));

  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} printed no "listening on" line within ${START_TIMEOUT_MS} ms; stderr: ${stderr}`)), START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /^listening on (http:\/\/\S+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    });
    void child.then((result) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${result.exitCode} before listening; stderr: ${stderr}`));
    });
  });

  const example: RunningExample = { url, output: () => stdout, process: child };
  running.push(example);
  return example;
}

/** Waits until `count` "handled" lines are printed, or rejects after a timeout. */
async function waitForHandled(example: RunningExample, count: number, timeoutMs = 5_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const handled = example.output().split('\n').filter((line) => line.startsWith('handled '));
    if (handled.length >= count) return handled;
    if (Date.now() > deadline) throw new Error(`only ${handled.length} of ${count} handled lines within ${timeoutMs} ms`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  }
}

describe.each(EXAMPLES)('example %s', (name) => {
  it('passes every check case', async () => {
    const example = await startExample(name);
    expect(example.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhooks\/7stamp$/);

    const result = await runCli(['check', example.url, '--json'], { env: { STAMP7_WEBHOOK_SECRET: SECRET } });
    const document = JSON.parse(String(result.stdout)) as { ok: boolean; cases: Array<{ id: string; result: string; reason: string }> };
    expect(document.cases.filter((item) => item.result !== 'pass')).toEqual([]);
    expect(document.ok).toBe(true);
    expect(result.exitCode).toBe(0);

    // 14 event types, the rotation case, the repeated event once, and the two body cases.
    const handled = await waitForHandled(example, 18);
    expect(handled).toHaveLength(18);
    const eventIds = handled.map((line) => line.split(' ')[2]);
    expect(new Set(eventIds).size).toBe(eventIds.length);
  });

  it('refuses to start without a secret', async () => {
    const result = await execa('node', [resolve(import.meta.dirname, '../../examples', name, 'server.mjs')], {
      env: { STAMP7_WEBHOOK_SECRET: '', PORT: '0' },
      reject: false,
      timeout: START_TIMEOUT_MS,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('STAMP7_WEBHOOK_SECRET is not set');
  });
});
