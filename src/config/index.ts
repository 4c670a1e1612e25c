import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, ExitCode } from '../errors.js';

/**
 * The user's stamp7 config: profiles (API key and base URL per account), the local webhook
 * secret that `trigger --url` signs with by default, and a device id that keeps the listen
 * secret stable. Reads parse the JSON file directly, because loading `conf` costs about
 * 70 ms of start-up. Every write goes through `conf`, which writes atomically with mode 0600.
 */
export interface Profile {
  api_key: string;
  api_base: string;
  account_id?: string;
  account_name?: string;
}

export interface ConfigData {
  active_profile?: string;
  device_id?: string;
  local_webhook_secret?: string;
  profiles?: Record<string, Profile>;
}

export const CONFIG_FILE_NAME = 'config.json';
export const DEFAULT_API_BASE = 'https://api.7stamp.com';
export const SANDBOX_PROFILE = 'sandbox';

/** Returns the config folder: STAMP7_CONFIG_DIR, else the platform's user config folder. */
export function configDir(): string {
  const override = process.env.STAMP7_CONFIG_DIR;
  if (override !== undefined && override !== '') return override;
  if (process.platform === 'win32') {
    return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'stamp7');
  }
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Preferences', 'stamp7');
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'stamp7');
}

export function configPath(): string {
  return join(configDir(), CONFIG_FILE_NAME);
}

/**
 * Reads the config. A file that is not valid JSON, or not an object, is moved aside as
 * `config.json.broken-<time>` and reported; stamp7 never silently wipes a hand-edited file.
 */
export function readConfig(): ConfigData {
  const path = configPath();
  if (!existsSync(path)) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'check its permissions, or point STAMP7_CONFIG_DIR at another folder',
      exitCode: ExitCode.config,
      code: 'config_unreadable',
    });
  }
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !validShape(parsed as ConfigData)) {
    const backup = `${path}.broken-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(path, backup);
    throw new CliError(`the config file ${path} is not valid stamp7 config; it was moved to ${backup}`, {
      hint: 'run the command again to start with a fresh config, then log in again (stamp7 login)',
      exitCode: ExitCode.config,
      code: 'config_invalid',
    });
  }
  return parsed as ConfigData;
}

function validShape(data: ConfigData): boolean {
  if (data.profiles !== undefined && (typeof data.profiles !== 'object' || data.profiles === null || Array.isArray(data.profiles))) return false;
  for (const profile of Object.values(data.profiles ?? {})) {
    if (profile === null || typeof profile !== 'object' || typeof profile.api_key !== 'string' || typeof profile.api_base !== 'string') return false;
  }
  for (const key of ['active_profile', 'device_id', 'local_webhook_secret'] as const) {
    if (data[key] !== undefined && typeof data[key] !== 'string') return false;
  }
  return true;
}

/**
 * Applies a change to the config and writes it through `conf` (atomic replace, mode 0600).
 * The folder is created with mode 0700, because the file in it contains API keys.
 */
export async function updateConfig(change: (data: ConfigData) => void): Promise<ConfigData> {
  const data = readConfig();
  change(data);
  const dir = configDir();
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // mkdir applies the umask to `mode`; chmod sets the bits exactly.
    if (process.platform !== 'win32') chmodSync(dir, 0o700);
  }
  // readConfig treats a blank file as an empty config, but conf fails to parse it; it is rewritten below anyway.
  const path = configPath();
  if (existsSync(path) && readFileSync(path, 'utf8').trim() === '') unlinkSync(path);

  const { default: Conf } = await import('conf');
  const store = new Conf<ConfigData>({
    cwd: configDir(),
    configName: 'config',
    projectName: 'stamp7',
    configFileMode: 0o600,
    clearInvalidConfig: false,
  });
  store.store = data;
  return data;
}

/** Returns the local webhook secret, creating and storing one on first use. */
export async function ensureLocalWebhookSecret(): Promise<{ secret: string; created: boolean }> {
  const existing = readConfig().local_webhook_secret;
  if (existing) return { secret: existing, created: false };
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  await updateConfig((data) => {
    data.local_webhook_secret = secret;
  });
  return { secret, created: true };
}

/** Returns this machine's device id, creating it on first use; it keeps the listen secret stable. */
export async function ensureDeviceId(): Promise<string> {
  const existing = readConfig().device_id;
  if (existing) return existing;
  const deviceId = `dev_${randomBytes(12).toString('hex')}`;
  await updateConfig((data) => {
    data.device_id = deviceId;
  });
  return deviceId;
}

/** Returns the file mode bits of the config file, or undefined when it does not exist. */
export function configFileMode(): number | undefined {
  const path = configPath();
  return existsSync(path) ? statSync(path).mode & 0o777 : undefined;
}
