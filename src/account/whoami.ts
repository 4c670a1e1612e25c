import { createApiClient } from '../api/client.js';
import type { Account } from '../api/types.js';
import { withSpinner } from './prompts.js';

export interface WhoamiResult {
  profile: string;
  account: Account;
  api_base: string;
  /** The key, masked. */
  api_key: string;
  /** True when no profile is logged in and the local sandbox was used instead. */
  sandbox_fallback: boolean;
}

/** Looks up the account of the key the other commands would use. */
export async function whoami(options: { profile?: string | undefined; apiBase?: string | undefined }): Promise<WhoamiResult> {
  const client = await createApiClient(options);
  const account = await withSpinner('Fetching the account', () => client.get<Account>('/v1/account'));
  return {
    profile: client.profileName,
    account,
    api_base: client.baseUrl,
    api_key: client.apiKeyMasked,
    sandbox_fallback: client.usesSandboxFallback,
  };
}
