import { usageError, type CliError } from '../errors.js';
import { maskSecret } from '../output/mask.js';

/** Every 7stamp API key starts with this prefix. */
export const API_KEY_PREFIX = '7loc_sc_';

// NOTE: the platform publishes only the prefix. The rest is assumed to be at least 16
// URL-safe characters, which fits the sandbox's keys; widen this if real keys differ.
const API_KEY_PATTERN = /^7loc_sc_[A-Za-z0-9_-]{16,}$/;

/** Returns a usage error when `key` cannot be a 7stamp API key, else undefined. */
export function checkApiKeyFormat(key: string, source: string): CliError | undefined {
  if (API_KEY_PATTERN.test(key)) return undefined;

  const shown = key.startsWith(API_KEY_PREFIX) ? maskSecret(key) : `a value of ${key.length} characters`;
  const reason = key.startsWith(API_KEY_PREFIX)
    ? 'has characters other than letters, digits, "_" and "-" after the prefix, or is too short'
    : `does not start with ${API_KEY_PREFIX}`;
  return usageError(
    `the API key from ${source} (${shown}) is not a 7stamp API key: it ${reason}`,
    'copy the whole key from the admin app (Stamp Cards -> API & Integrations); it starts with 7loc_sc_',
    'invalid_api_key',
  );
}
