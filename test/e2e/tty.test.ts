import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BIN, runCli, tempConfigDir } from '../helpers/cli.js';
import { startSandboxProcess } from '../helpers/sandbox.js';

// util-linux `script` gives the CLI a real pseudo-terminal, so these tests see the prompts a
// person sees. Machines without `script` skip them.
const hasScript = (await execa('sh', ['-c', 'command -v script'], { reject: false })).exitCode === 0;

interface TerminalRun {
  output: string;
  exitCode: number | null;
}

/**
 * Runs stamp7 on a pseudo-terminal and types each answer once its prompt text appears in
 * the output. CI is removed from the environment, because stamp7 never prompts under CI.
 */
function runOnTerminal(
  args: string[],
  configDir: string,
  answers: Array<{ after: string; type: string }>,
  extraEnv: Record<string, string> = {},
  columns = 120,
): Promise<TerminalRun> {
  // A pseudo-terminal made by `script` starts 0 columns wide; a person's terminal is wider.
  const command = `${columns > 0 ? `stty cols ${columns} rows 40; ` : ''}${['node', BIN, ...args].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ')}`;
  const env: NodeJS.ProcessEnv = { ...process.env, STAMP7_CONFIG_DIR: configDir, NO_COLOR: '1', STAMP7_API_KEY: '', STAMP7_PROFILE: '', STAMP7_API_BASE: '', ...extraEnv };
  delete env.CI;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const pending = [...answers];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    while (pending.length > 0 && output.includes(pending[0]!.after)) {
      child.stdin.write(pending.shift()!.type);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ output, exitCode });
    });
  });
}

describe.skipIf(!hasScript)('on a terminal', () => {
  let sandbox: Awaited<ReturnType<typeof startSandboxProcess>>;
  const config = tempConfigDir();

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
  });

  afterAll(async () => {
    await sandbox?.stop();
    config.cleanup();
  });

  it('login asks for a masked key', async () => {
    const run = await runOnTerminal(['login', '--profile', 'terminal', '--api-base', sandbox.url], config.dir, [
      { after: 'Paste your API key', type: `${sandbox.apiKey}\r` },
    ]);
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toContain('API & Integrations');
    expect(run.output).toContain('Logged in to');
    expect(run.output).not.toContain(sandbox.apiKey);
    const stored = JSON.parse(readFileSync(join(config.dir, 'config.json'), 'utf8')) as { profiles: Record<string, { api_key: string }> };
    expect(stored.profiles.terminal?.api_key).toBe(sandbox.apiKey);
  });

  it('login fits a zero-width terminal', async () => {
    const narrow = tempConfigDir();
    try {
      // No `stty cols`: the pseudo-terminal reports 0 columns, as some consoles do.
      const run = await runOnTerminal(['login', '--profile', 'narrow', '--api-base', sandbox.url], narrow.dir, [{ after: 'Paste your API key', type: `${sandbox.apiKey}\r` }], {}, 0);
      expect(run.exitCode, run.output).toBe(0);
      expect(run.output).toContain('Create an API key in the 7stamp admin app');
    } finally {
      narrow.cleanup();
    }
  });

  it('endpoints remove asks before deleting', async () => {
    const env = { STAMP7_API_KEY: sandbox.apiKey, STAMP7_API_BASE: sandbox.url };
    const added = await runCli(['--json', 'endpoints', 'add', 'http://127.0.0.1:9/hook', '--events', 'ping'], { configDir: config.dir, env });
    expect(added.exitCode, String(added.stderr)).toBe(0);
    const id = (JSON.parse(String(added.stdout)) as { id: string }).id;

    const declined = await runOnTerminal(['endpoints', 'remove', id], config.dir, [{ after: id, type: 'n' }], env);
    expect(declined.exitCode, declined.output).toBe(1);
    const stillThere = await runCli(['endpoints', 'show', id], { configDir: config.dir, env });
    expect(stillThere.exitCode).toBe(0);

    const confirmed = await runOnTerminal(['endpoints', 'remove', id], config.dir, [{ after: id, type: 'y' }], env);
    expect(confirmed.exitCode, confirmed.output).toBe(0);
    const gone = await runCli(['endpoints', 'show', id], { configDir: config.dir, env });
    expect(gone.exitCode).toBe(5);
  });
});
