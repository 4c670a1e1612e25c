import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizeApiBase, resolveCredentials, sandboxCredentials } from '../../src/api/credentials.js';
import type { ConfigData } from '../../src/config/index.js';
import { CliError, ExitCode } from '../../src/errors.js';

const WORK_KEY = `7loc_sc_${'w'.repeat(32)}`;
const HOME_KEY = `7loc_sc_${'h'.repeat(32)}`;
const ENV_KEY = `7loc_sc_${'v'.repeat(32)}`;
const SANDBOX_KEY = `7loc_sc_${'s'.repeat(32)}`;

const config: ConfigData = {
  active_profile: 'work',
  profiles: {
    work: { api_key: WORK_KEY, api_base: 'https://work.example.com' },
    home: { api_key: HOME_KEY, api_base: 'https://home.example.com/' },
    sandbox: { api_key: SANDBOX_KEY, api_base: 'http://127.0.0.1:7370' },
  },
};

const VARIABLES = ['STAMP7_API_KEY', 'STAMP7_API_BASE', 'STAMP7_PROFILE'] as const;
let saved: Record<string, string | undefined> = {};

beforeEach(() => {
  saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of VARIABLES) delete process.env[name];
});

afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('resolveCredentials', () => {
  it('uses the active profile by default', () => {
    const credentials = resolveCredentials({}, config);
    expect(credentials?.apiKey).toBe(WORK_KEY);
    expect(credentials?.apiBase).toBe('https://work.example.com');
    expect(credentials?.profileName).toBe('work');
    expect(credentials?.sandboxFallback).toBe(false);
  });

  it('prefers STAMP7_PROFILE over the active profile', () => {
    process.env.STAMP7_PROFILE = 'home';
    expect(resolveCredentials({}, config)?.apiKey).toBe(HOME_KEY);
  });

  it('prefers --profile over STAMP7_PROFILE', () => {
    process.env.STAMP7_PROFILE = 'home';
    expect(resolveCredentials({ profile: 'work' }, config)?.apiKey).toBe(WORK_KEY);
  });

  it('prefers the key variable over the profile', () => {
    process.env.STAMP7_API_KEY = ENV_KEY;
    const credentials = resolveCredentials({}, config);
    expect(credentials?.apiKey).toBe(ENV_KEY);
    expect(credentials?.keySource).toBe('STAMP7_API_KEY');
    expect(credentials?.apiBase).toBe('https://work.example.com');
  });

  it('prefers --api-key and --api-base over variables', () => {
    process.env.STAMP7_API_KEY = ENV_KEY;
    process.env.STAMP7_API_BASE = 'https://env.example.com';
    const credentials = resolveCredentials({ apiKey: HOME_KEY, apiBase: 'https://flag.example.com/' }, config);
    expect(credentials?.apiKey).toBe(HOME_KEY);
    expect(credentials?.apiBase).toBe('https://flag.example.com');
  });

  it('takes STAMP7_API_BASE over the profile base', () => {
    process.env.STAMP7_API_BASE = 'https://env.example.com';
    expect(resolveCredentials({}, config)?.apiBase).toBe('https://env.example.com');
  });

  it('defaults the base URL', () => {
    expect(resolveCredentials({ apiKey: ENV_KEY }, {})?.apiBase).toBe('https://api.7stamp.com');
  });

  it('returns undefined when nothing is logged in', () => {
    expect(resolveCredentials({}, {})).toBeUndefined();
    expect(resolveCredentials({}, { profiles: config.profiles })).toBeUndefined();
  });

  it('rejects a named profile that is missing', () => {
    let caught: unknown;
    try {
      resolveCredentials({ profile: 'ghost' }, config);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CliError);
    expect((caught as CliError).exitCode).toBe(ExitCode.config);
    expect((caught as CliError).hint).toContain('stamp7 login --profile ghost');
  });

  it('treats an unasked active sandbox profile as the fallback', () => {
    const credentials = resolveCredentials({}, { ...config, active_profile: 'sandbox' });
    expect(credentials?.sandboxFallback).toBe(true);
    expect(credentials?.apiKey).toBe(SANDBOX_KEY);
  });

  it('does not call an asked-for sandbox profile a fallback', () => {
    expect(resolveCredentials({ profile: 'sandbox' }, config)?.sandboxFallback).toBe(false);
  });

  it('rejects a malformed key from a variable', () => {
    process.env.STAMP7_API_KEY = 'not-a-key';
    expect(() => resolveCredentials({}, config)).toThrow(/STAMP7_API_KEY/);
  });
});

describe('sandboxCredentials', () => {
  it('reads the sandbox profile', () => {
    expect(sandboxCredentials({}, config)?.apiBase).toBe('http://127.0.0.1:7370');
    expect(sandboxCredentials({}, {})).toBeUndefined();
  });
});

describe('normalizeApiBase', () => {
  it('drops trailing slashes', () => {
    expect(normalizeApiBase('https://api.example.com/')).toBe('https://api.example.com');
    expect(normalizeApiBase('http://127.0.0.1:7370')).toBe('http://127.0.0.1:7370');
  });

  it('rejects other schemes and garbage', () => {
    expect(() => normalizeApiBase('ftp://example.com')).toThrow(/not an http/);
    expect(() => normalizeApiBase('example.com')).toThrow(/not an http/);
  });
});
