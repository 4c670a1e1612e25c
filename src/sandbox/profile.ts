import { SANDBOX_PROFILE, updateConfig } from '../config/index.js';

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
