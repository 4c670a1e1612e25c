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

describe('stamp7 output to a closed pipe', () => {
  it('exits quietly when the reader goes away', async () => {
    const { execa } = await import('execa');
    const { BIN } = await import('../helpers/cli.js');
    const { startReceiver } = await import('../helpers/receiver.js');
    const receiver = await startReceiver();
    try {
      // 2,000 NDJSON lines overflow the pipe buffer after `head -c 1` has exited, so
      // stamp7 writes into a closed pipe.
      const script = `node "${BIN}" trigger ping --url ${receiver.url} --secret whsec_pipe_test_secret --count 2000 --concurrency 4 --json 2>"$ERR_FILE" | head -c 1 >/dev/null; echo "\${PIPESTATUS[0]}"; cat "$ERR_FILE"`;
      const errFile = `${(await import('node:os')).tmpdir()}/stamp7-epipe-${process.pid}.err`;
      const result = await execa('bash', ['-c', script], { reject: false, env: { NO_COLOR: '1', CI: '1', ERR_FILE: errFile } });
      const [status, ...stderr] = result.stdout.split('\n');
      expect(status).toBe('0');
      expect(stderr.join('\n')).not.toContain('EPIPE');
    } finally {
      await receiver.close();
    }
  });
});
