import { CliError, ExitCode } from '../errors.js';
import { DEFAULT_API_BASE, SANDBOX_PROFILE, readConfig, type ConfigData } from '../config/index.js';
import { checkApiKeyFormat } from './key.js';

/** Flags that override the stored profile for one command. */
export interface CredentialOptions {
  profile?: string | undefined;
  apiBase?: string | undefined;
  apiKey?: string | undefined;
}

/** The key and base URL one command uses, and where they came from. */
export interface Credentials {
  apiKey: string;
  apiBase: string;
  /** The profile name, or a label such as `(STAMP7_API_KEY)` when no profile is involved. */
  profileName: string;
  /** The origin of the key, for error messages: `--api-key`, `STAMP7_API_KEY` or `profile "x"`. */
  keySource: string;
  /** The command that logs this profile in again. */
  loginCommand: string;
  /** True when nothing was logged in and the local sandbox's profile was picked. */
  sandboxFallback: boolean;
}

function envValue(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Resolves the key, base URL and profile in one place, each by the same order: flag,
 * then STAMP7_API_KEY / STAMP7_API_BASE / STAMP7_PROFILE, then the config's active profile.
 * Returns undefined when nothing is logged in, so the caller can try the sandbox profile,
 * and the sandbox's credentials with `sandboxFallback` set when the sandbox profile is
 * active without being asked for.
 */
export function resolveCredentials(options: CredentialOptions, config: ConfigData = readConfig()): Credentials | undefined {
  const requestedProfile = options.profile?.trim() || envValue('STAMP7_PROFILE');
  const profileName = requestedProfile ?? config.active_profile;
  const profile = profileName === undefined || !Object.hasOwn(config.profiles ?? {}, profileName) ? undefined : config.profiles?.[profileName];

  const flagKey = options.apiKey?.trim() || undefined;
  const envKey = envValue('STAMP7_API_KEY');
  const apiKey = flagKey ?? envKey ?? profile?.api_key;
  let keySource = `profile "${profileName ?? ''}"`;
  if (flagKey) keySource = '--api-key';
  else if (envKey) keySource = 'STAMP7_API_KEY';

  if (apiKey === undefined) {
    if (requestedProfile !== undefined) {
      throw new CliError(`profile "${requestedProfile}" is not logged in`, {
        exitCode: ExitCode.config,
        code: 'not_logged_in',
        hint: `run stamp7 login --profile ${requestedProfile}, or pick another profile (${knownProfiles(config)})`,
      });
    }
    return undefined;
  }

  // The sandbox makes its profile the active one when no other profile is active. Using it
  // then is the same fallback as when nothing is active, so it is announced the same way.
  if (!flagKey && !envKey && requestedProfile === undefined && profileName === SANDBOX_PROFILE) {
    return sandboxCredentials(options, config);
  }

  const formatError = checkApiKeyFormat(apiKey, keySource);
  if (formatError) throw formatError;

  const apiBase = normalizeApiBase(options.apiBase?.trim() || envValue('STAMP7_API_BASE') || profile?.api_base || DEFAULT_API_BASE);
  const loginProfile = profileName && profile ? ` --profile ${profileName}` : '';
  return {
    apiKey,
    apiBase,
    profileName: profile && profileName ? profileName : `(${keySource})`,
    keySource,
    loginCommand: `stamp7 login${loginProfile}`,
    sandboxFallback: false,
  };
}

/** Returns the sandbox profile's credentials, if the sandbox has recorded one. */
export function sandboxCredentials(options: CredentialOptions, config: ConfigData = readConfig()): Credentials | undefined {
  const profile = config.profiles?.[SANDBOX_PROFILE];
  if (profile === undefined) return undefined;
  return {
    apiKey: profile.api_key,
    apiBase: normalizeApiBase(options.apiBase?.trim() || envValue('STAMP7_API_BASE') || profile.api_base),
    profileName: SANDBOX_PROFILE,
    keySource: `profile "${SANDBOX_PROFILE}"`,
    loginCommand: 'stamp7 sandbox (it records its key again on start)',
    sandboxFallback: true,
  };
}

/** Creates the error for a command that needs the API when no key is found anywhere. */
export function notLoggedInError(sandboxUrl?: string): CliError {
  const sandboxNote = sandboxUrl ? ` (the sandbox profile points at ${sandboxUrl}, which does not respond)` : '';
  return new CliError(`no API key: no profile is logged in and no local sandbox is running${sandboxNote}`, {
    exitCode: ExitCode.config,
    code: 'not_logged_in',
    hint: 'run stamp7 login (or set STAMP7_API_KEY), or start a local sandbox with stamp7 sandbox',
  });
}

/** Checks an API base URL and removes a trailing slash; throws a usage error when it is not http(s). */
export function normalizeApiBase(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidBase(text);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidBase(text);
  return url.href.replace(/\/+$/, '');
}

function invalidBase(text: string): CliError {
  return new CliError(`the API base "${text}" is not an http:// or https:// URL`, {
    exitCode: ExitCode.usage,
    code: 'invalid_api_base',
    hint: 'pass a URL such as https://api.7stamp.com to --api-base or STAMP7_API_BASE',
  });
}

function knownProfiles(config: ConfigData): string {
  const names = Object.keys(config.profiles ?? {});
  return names.length === 0 ? 'none is logged in yet' : `logged in: ${names.join(', ')}`;
}
