import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './cli.js';

export interface SandboxProcess {
  url: string;
  apiKey: string;
  pid: number;
  configDir: string;
  /** Sends a signal (default SIGTERM) and waits for the exit; SIGKILL after 10 s. Removes a config folder it created. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
  /** Everything the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit code and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SandboxProcessOptions {
  timeScale?: number;
  /** Keep state here across restarts; without it the sandbox runs `--ephemeral`. */
  dataDir?: string;
  /** STAMP7_CONFIG_DIR for the process; default a new temporary folder. */
  configDir?: string;
  extraArgs?: string[];
  env?: Record<string, string>;
  /** How long to wait for the ready line; default 15 s. */
  readyTimeoutMs?: number;
}

/**
 * Spawns `stamp7 sandbox --port 0 --json` on 127.0.0.1 and resolves once it prints its
 * `ready` line. The caller stops it with `stop()` or `kill()`, by PID, in afterEach/afterAll.
 */
export async function startSandboxProcess(options: SandboxProcessOptions = {}): Promise<SandboxProcess> {
  const ownConfigDir = options.configDir === undefined;
  const configDir = options.configDir ?? mkdtempSync(join(tmpdir(), 'stamp7-sandbox-'));
  const args = [BIN, 'sandbox', '--port', '0', '--json'];
  if (options.dataDir === undefined) args.push('--ephemeral');
  else args.push('--data-dir', options.dataDir);
  if (options.timeScale !== undefined) args.push('--time-scale', String(options.timeScale));
  args.push(...(options.extraArgs ?? []));

  const child = spawn(process.execPath, args, {
    env: { ...process.env, CI: '1', NO_COLOR: '1', STAMP7_CONFIG_DIR: configDir, STAMP7_PROFILE: '', STAMP7_API_KEY: '', STAMP7_API_BASE: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  let ready: { url: string; api_key: string };
  try {
    ready = await waitForReady(() => stdout, exited, options.readyTimeoutMs ?? 15_000);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    if (ownConfigDir) rmSync(configDir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\nstderr: ${stderr}`);
  }

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    if (ownConfigDir) rmSync(configDir, { recursive: true, force: true });
  };

  return {
    url: ready.url,
    apiKey: ready.api_key,
    pid: child.pid!,
    configDir,
    stop: (signal = 'SIGTERM') => stopWith(signal),
    kill: () => stopWith('SIGKILL'),
    output: () => ({ stdout, stderr }),
    exited,
  };
}

function waitForReady(
  stdout: () => string,
  exited: Promise<{ code: number | null }>,
  timeoutMs: number,
): Promise<{ url: string; api_key: string }> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    let done = false;
    void exited.then(({ code }) => {
      if (!done) {
        done = true;
        reject(new Error(`the sandbox exited with code ${code} before it was ready`));
      }
    });
    const check = (): void => {
      if (done) return;
      for (const line of stdout().split('\n')) {
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line) as { type?: string; url?: string; api_key?: string };
        if (parsed.type === 'ready' && parsed.url && parsed.api_key) {
          done = true;
          resolve({ url: parsed.url, api_key: parsed.api_key });
          return;
        }
      }
      if (Date.now() > deadline) {
        done = true;
        reject(new Error(`the sandbox printed no ready line within ${timeoutMs} ms`));
        return;
      }
      setTimeout(check, 20);
    };
    check();
  });
}
