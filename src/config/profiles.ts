import { readConfig, SANDBOX_PROFILE, updateConfig, type ConfigData, type Profile } from './index.js';

/** The profile `login` writes when neither --profile nor STAMP7_PROFILE names one. */
export const DEFAULT_PROFILE = 'default';

/** Profile names become command arguments and JSON keys, so they stay simple. */
const PROFILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isValidProfileName(name: string): boolean {
  return PROFILE_NAME_PATTERN.test(name);
}

/** Selects the profile a command means: --profile, then STAMP7_PROFILE, then the active one. */
export function selectedProfileName(flag: string | undefined, config: ConfigData = readConfig()): string | undefined {
  const fromEnv = process.env.STAMP7_PROFILE?.trim();
  return flag?.trim() || fromEnv || config.active_profile || undefined;
}

/** Stores a profile and makes it the active one. */
export async function saveProfile(name: string, profile: Profile): Promise<void> {
  await updateConfig((data) => {
    data.profiles = { ...data.profiles, [name]: profile };
    data.active_profile = name;
  });
}

/**
 * Removes profiles and returns the names removed. The active profile is cleared when it is
 * among them, so no command keeps using a key the user logged out of.
 */
export async function removeProfiles(names: string[]): Promise<string[]> {
  const removed: string[] = [];
  await updateConfig((data) => {
    for (const name of names) {
      // An own-property check, because names such as "constructor" resolve on Object.prototype.
      if (data.profiles === undefined || !Object.hasOwn(data.profiles, name)) continue;
      delete data.profiles[name];
      removed.push(name);
    }
    if (data.active_profile !== undefined && removed.includes(data.active_profile)) delete data.active_profile;
  });
  return removed;
}

/** Lists the profiles `logout --all` removes: every profile but the one the sandbox records for itself. */
export function loggedInProfileNames(config: ConfigData = readConfig()): string[] {
  return Object.keys(config.profiles ?? {}).filter((name) => name !== SANDBOX_PROFILE);
}
