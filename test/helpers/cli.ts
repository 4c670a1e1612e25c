import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type Options, type ResultPromise } from 'execa';

/** The built binary that every end-to-end test spawns. */
export const BIN = resolve(import.meta.dirname, '../../bin/stamp7.js');

/** Creates a temporary config folder; the caller removes it with the returned function. */
export function tempConfigDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'stamp7-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs the built stamp7 binary and resolves with its result, never rejecting on a non-zero
 * exit, so tests assert the exit code themselves. CI and NO_COLOR are set so no test ever
 * waits for a prompt or sees ANSI codes; `env` overrides them.
 */
export function runCli(args: string[], options: Options & { configDir?: string } = {}): ResultPromise<{ reject: false }> {
  const { configDir, env, ...rest } = options;
  return execa('node', [BIN, ...args], {
    reject: false,
    timeout: 60_000,
    ...rest,
    env: {
      CI: '1',
      NO_COLOR: '1',
      ...(configDir ? { STAMP7_CONFIG_DIR: configDir } : {}),
      STAMP7_API_KEY: '',
      STAMP7_PROFILE: '',
      STAMP7_API_BASE: '',
      STAMP7_WEBHOOK_SECRET: '',
      ...env,
    },
  }) as unknown as ResultPromise<{ reject: false }>;
}
