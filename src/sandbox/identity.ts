import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, ExitCode } from '../errors.js';
import { prefixedId } from '../events/ids.js';
import { syncDirectory } from './journal.js';

/** The sandbox's own secrets and names: its generated API key, the key listen secrets derive from, and its account id. */
export interface SandboxIdentity {
  api_key: string;
  master_key: string;
  account_id: string;
}

const IDENTITY_FILE = 'sandbox.json';
const LOCK_FILE = 'sandbox.lock';

/** Creates an API key in the platform's format: `7loc_sc_` and 32 random characters. */
export function newApiKey(): string {
  return `7loc_sc_${randomBytes(24).toString('base64url')}`;
}

export function newIdentity(): SandboxIdentity {
  return { api_key: newApiKey(), master_key: randomBytes(32).toString('base64url'), account_id: prefixedId('acct') };
}

/** Reads the identity of a data folder, creating it on first start (atomic replace, mode 0600). */
export function loadOrCreateIdentity(dataDir: string): SandboxIdentity {
  const path = join(dataDir, IDENTITY_FILE);
  if (existsSync(path)) {
    let parsed: Partial<SandboxIdentity> | undefined;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<SandboxIdentity>;
    } catch {
      parsed = undefined;
    }
    if (parsed && typeof parsed.api_key === 'string' && typeof parsed.master_key === 'string' && typeof parsed.account_id === 'string') {
      return { api_key: parsed.api_key, master_key: parsed.master_key, account_id: parsed.account_id };
    }
    throw new CliError(`the sandbox identity file ${path} is damaged`, {
      hint: 'delete it to start with a new API key, or pass --data-dir with another folder',
      exitCode: ExitCode.config,
      code: 'sandbox_identity_invalid',
    });
  }
  const identity = newIdentity();
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
  syncDirectory(dataDir);
  return identity;
}

/** Creates the data folder (mode 0700) when it is missing. */
export function ensureDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new CliError(`cannot create the sandbox data folder ${dataDir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'pass --data-dir with a folder you can write to, or --ephemeral to keep state in memory',
      exitCode: ExitCode.config,
      code: 'sandbox_data_dir',
    });
  }
}

/**
 * Takes the data folder's lock file, so two sandboxes never append to one journal. A lock
 * left by a process that no longer runs (after SIGKILL) is taken over. Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  for (let tries = 0; tries < 2; tries++) {
    try {
      const descriptor = openSync(path, 'wx', 0o600);
      writeFileSync(descriptor, String(process.pid));
      closeSync(descriptor);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      // NOTE: if the PID of a crashed sandbox is reused by another process, the lock looks
      // held; delete the lock file by hand then.
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processIsAlive(holder)) {
        throw new CliError(`the sandbox data folder ${dataDir} is in use by another sandbox (PID ${holder})`, {
          hint: 'stop that sandbox, or pass --data-dir with another folder, or --ephemeral',
          exitCode: ExitCode.failure,
          code: 'sandbox_data_dir_locked',
        });
      }
      rmSync(path, { force: true });
    }
  }
  throw new CliError(`cannot take the lock ${path}`, { hint: 'delete the file if no sandbox runs', exitCode: ExitCode.failure, code: 'sandbox_data_dir_locked' });
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
