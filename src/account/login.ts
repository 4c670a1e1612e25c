import { createApiClient } from '../api/client.js';
import { normalizeApiBase } from '../api/credentials.js';
import { checkApiKeyFormat } from '../api/key.js';
import type { Account } from '../api/types.js';
import { DEFAULT_API_BASE, readConfig } from '../config/index.js';
import { DEFAULT_PROFILE, isValidProfileName, saveProfile } from '../config/profiles.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import { canPrompt } from '../output/context.js';
import { maskSecret } from '../output/mask.js';
import { promptApiKey, withSpinner } from './prompts.js';

export interface LoginOptions {
  apiKey?: string | undefined;
  profile?: string | undefined;
  apiBase?: string | undefined;
}

/** The profile `login` stored, with the key masked. */
export interface LoginResult {
  profile: string;
  account: Account;
  api_base: string;
  api_key: string;
}

/**
 * Checks an API key against `GET /v1/account` and stores it as a profile, which becomes the
 * active one. The key comes from --api-key, STAMP7_API_KEY or, on a TTY, a masked prompt.
 */
export async function login(options: LoginOptions): Promise<LoginResult> {
  const config = readConfig();
  const profileName = options.profile?.trim() || process.env.STAMP7_PROFILE?.trim() || DEFAULT_PROFILE;
  if (!isValidProfileName(profileName)) {
    throw usageError(`invalid profile name "${profileName}"`, 'use letters, digits, ".", "_" and "-", starting with a letter or digit', 'invalid_profile');
  }

  const apiBase = normalizeApiBase(
    options.apiBase?.trim() || process.env.STAMP7_API_BASE?.trim() || config.profiles?.[profileName]?.api_base || DEFAULT_API_BASE,
  );
  const apiKey = await readApiKey(options);

  const client = await createApiClient({ apiKey, apiBase });
  let account: Account;
  try {
    account = await withSpinner(`Checking the key against ${apiBase}`, () => client.get<Account>('/v1/account'));
  } catch (error) {
    throw explainLoginFailure(error, apiBase);
  }

  await saveProfile(profileName, { api_key: apiKey, api_base: apiBase, account_id: account.id, account_name: account.name });
  return { profile: profileName, account, api_base: apiBase, api_key: maskSecret(apiKey) };
}

async function readApiKey(options: LoginOptions): Promise<string> {
  const flagKey = options.apiKey?.trim();
  const envKey = process.env.STAMP7_API_KEY?.trim();
  const given = flagKey || envKey;
  if (given) {
    const formatError = checkApiKeyFormat(given, flagKey ? '--api-key' : 'STAMP7_API_KEY');
    if (formatError) throw formatError;
    return given;
  }

  if (!canPrompt()) {
    throw usageError(
      'no API key given, and stamp7 cannot prompt for one here (stdin is not a terminal, or CI is set)',
      'pass --api-key 7loc_sc_… or set STAMP7_API_KEY; keys are created in the admin app under Stamp Cards -> API & Integrations',
      'missing_api_key',
    );
  }
  return promptApiKey((value) => checkApiKeyFormat(value, 'the prompt')?.message);
}

function explainLoginFailure(error: unknown, apiBase: string): unknown {
  if (!(error instanceof CliError) || error.exitCode !== ExitCode.auth) return error;
  return new CliError(`${apiBase} rejected the API key as wrong or revoked`, {
    exitCode: ExitCode.auth,
    code: error.code,
    hint: 'check that you copied the whole key, and that it belongs to this API base; create a new one under Stamp Cards -> API & Integrations',
  });
}
