import { readConfig, SANDBOX_PROFILE, updateConfig, type Profile } from '../config/index.js';

/**
 * Records a running sandbox as the `sandbox` profile, so `--profile sandbox` reaches it with
 * no copied key. The profile becomes the active one only when no profile is active yet.
 * Returns whether it became active.
 */
export async function recordSandboxProfile(url: string, apiKey: string, accountId?: string): Promise<boolean> {
  let madeActive = false;
  await updateConfig((data) => {
    data.profiles = { ...data.profiles, [SANDBOX_PROFILE]: { api_key: apiKey, api_base: url, ...(accountId ? { account_id: accountId } : {}), account_name: 'Sandbox' } };
    if (data.active_profile === undefined || data.profiles[data.active_profile] === undefined) {
      data.active_profile = SANDBOX_PROFILE;
      madeActive = true;
    }
  });
  return madeActive;
}

/** Returns the `sandbox` profile as it is now, to put back later with restoreSandboxProfile. */
export function currentSandboxProfile(): Profile | undefined {
  return readConfig().profiles?.[SANDBOX_PROFILE];
}

/**
 * Puts back the `sandbox` profile that an in-process sandbox replaced, unless another
 * process changed it since. `stamp7 dev` calls this on exit, so a `stamp7 sandbox` that was
 * running before stays reachable through the profile.
 */
export async function restoreSandboxProfile(previous: Profile | undefined, replacedUrl: string): Promise<void> {
  if (previous === undefined || previous.api_base === replacedUrl) return;
  await updateConfig((data) => {
    const current = data.profiles?.[SANDBOX_PROFILE];
    if (current?.api_base !== replacedUrl) return;
    data.profiles = { ...data.profiles, [SANDBOX_PROFILE]: previous };
  });
}
