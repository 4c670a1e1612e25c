import { readConfig } from '../config/index.js';
import { loggedInProfileNames, removeProfiles, selectedProfileName } from '../config/profiles.js';

export interface LogoutResult {
  /** Profiles whose keys were removed from the config file. */
  removed: string[];
  /** The profile that was asked for but was not logged in, if any. */
  not_logged_in: string | null;
}

/**
 * Removes the selected profile's key from the config file, or every profile's with `all`.
 * `all` keeps the `sandbox` profile, which the sandbox writes again on each start anyway.
 */
export async function logout(options: { profile?: string | undefined; all?: boolean }): Promise<LogoutResult> {
  const config = readConfig();
  if (options.all) return { removed: await removeProfiles(loggedInProfileNames(config)), not_logged_in: null };

  const name = selectedProfileName(options.profile, config);
  if (name === undefined || !Object.hasOwn(config.profiles ?? {}, name)) return { removed: [], not_logged_in: name ?? null };
  return { removed: await removeProfiles([name]), not_logged_in: null };
}
