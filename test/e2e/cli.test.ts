import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('stamp7 entry', () => {
  it('prints the package version', async () => {
    const { readFile } = await import('node:fs/promises');
    const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await runCli(['--version']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(manifest.version);
  });

  it('lists the commands in --help', async () => {
    const result = await runCli(['--help']);
    expect(result.exitCode).toBe(0);
    for (const command of ['trigger', 'listen', 'sandbox', 'endpoints', 'check']) expect(result.stdout).toContain(command);
  });

  it('rejects an unknown command with exit 2', async () => {
    const result = await runCli(['triger']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown command 'triger'");
    expect(result.stderr).toContain('trigger');
    expect(result.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('prints errors as JSON on stderr with --json', async () => {
    const result = await runCli(['--json', 'nonexistent-command']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    const parsed = JSON.parse(String(result.stderr)) as { error: { code: string; exit_code: number } };
    expect(parsed.error.code).toBe('invalid_usage');
    expect(parsed.error.exit_code).toBe(2);
  });

  it('rejects an unknown option with exit 2', async () => {
    const result = await runCli(['--bogus-flag']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--bogus-flag');
  });
});
