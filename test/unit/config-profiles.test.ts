import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/index.js';
import { isValidProfileName, loggedInProfileNames, removeProfiles, saveProfile, selectedProfileName } from '../../src/config/profiles.js';
import { tempConfigDir } from '../helpers/cli.js';

const KEY = `7loc_sc_${'k'.repeat(32)}`;
let cleanup: () => void;
let dir: string;
let savedDir: string | undefined;

beforeEach(() => {
  ({ dir, cleanup } = tempConfigDir());
  savedDir = process.env.STAMP7_CONFIG_DIR;
  process.env.STAMP7_CONFIG_DIR = join(dir, 'stamp7');
});

afterEach(() => {
  if (savedDir === undefined) delete process.env.STAMP7_CONFIG_DIR;
  else process.env.STAMP7_CONFIG_DIR = savedDir;
  cleanup();
});

describe('profiles in the config file', () => {
  it('saves a profile and makes it active', async () => {
    await saveProfile('work', { api_key: KEY, api_base: 'https://api.7stamp.com' });
    const config = readConfig();
    expect(config.active_profile).toBe('work');
    expect(config.profiles?.work?.api_key).toBe(KEY);
  });

  it('writes the file 0600 in a 0700 folder', async () => {
    await saveProfile('work', { api_key: KEY, api_base: 'https://api.7stamp.com' });
    const folder = join(dir, 'stamp7');
    expect(statSync(join(folder, 'config.json')).mode & 0o777).toBe(0o600);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')).profiles.work.api_base).toBe('https://api.7stamp.com');
  });

  it('clears the active profile when it is removed', async () => {
    await saveProfile('one', { api_key: KEY, api_base: 'https://a.example.com' });
    await saveProfile('two', { api_key: KEY, api_base: 'https://b.example.com' });
    expect(await removeProfiles(['two', 'ghost'])).toEqual(['two']);
    const config = readConfig();
    expect(config.active_profile).toBeUndefined();
    expect(Object.keys(config.profiles ?? {})).toEqual(['one']);
  });

  it('keeps the sandbox profile out of logout --all', () => {
    const names = loggedInProfileNames({ profiles: { a: { api_key: KEY, api_base: 'x' }, sandbox: { api_key: KEY, api_base: 'y' } } });
    expect(names).toEqual(['a']);
  });

  it('selects flag, then variable, then active', () => {
    const saved = process.env.STAMP7_PROFILE;
    try {
      process.env.STAMP7_PROFILE = 'fromenv';
      expect(selectedProfileName('flag', { active_profile: 'active' })).toBe('flag');
      expect(selectedProfileName(undefined, { active_profile: 'active' })).toBe('fromenv');
      delete process.env.STAMP7_PROFILE;
      expect(selectedProfileName(undefined, { active_profile: 'active' })).toBe('active');
    } finally {
      if (saved === undefined) delete process.env.STAMP7_PROFILE;
      else process.env.STAMP7_PROFILE = saved;
    }
  });

  it('validates profile names', () => {
    expect(isValidProfileName('work-eu.2')).toBe(true);
    expect(isValidProfileName('')).toBe(false);
    expect(isValidProfileName('-x')).toBe(false);
    expect(isValidProfileName('a b')).toBe(false);
  });
});
