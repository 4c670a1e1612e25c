import type { Command } from 'commander';
import { addApiOptions, type ApiFlags } from '../api/options.js';
import { out } from '../output/color.js';
import { globalOptions, info, printJson, printLine } from '../output/context.js';

/** Registers `login`, `logout` and `whoami`. */
export function register(program: Command): void {
  program
    .command('login')
    .description('store an API key as a profile, after checking it against the API')
    .option('--api-key <key>', 'the API key (7loc_sc_…); default STAMP7_API_KEY, else a prompt on a terminal')
    .option('--profile <name>', 'the profile to store the key under (default: STAMP7_PROFILE, else "default")')
    .option('--api-base <url>', 'the API base URL of this profile (default: STAMP7_API_BASE, else https://api.7stamp.com)')
    .action(async (options: ApiFlags & { apiKey?: string }) => {
      const { login } = await import('../account/login.js');
      const result = await login(options);
      if (globalOptions().json) {
        printJson(result);
        return;
      }
      printLine(`Logged in to ${out().bold(result.account.name)} (${result.account.id}, ${result.account.mode}) as profile ${out().bold(result.profile)}`);
      info(`API base ${result.api_base}, key ${result.api_key}. The key is stored in the stamp7 config file, readable by you only.`);
    });

  program
    .command('logout')
    .description('remove the stored API key of a profile')
    .option('--profile <name>', 'the profile to log out of (default: STAMP7_PROFILE, then the active profile)')
    .option('--all', 'log out of every profile (the sandbox profile stays)')
    .action(async (options: { profile?: string; all?: boolean }) => {
      const { logout } = await import('../account/logout.js');
      const result = await logout(options);
      if (globalOptions().json) {
        printJson(result);
        return;
      }
      if (result.removed.length > 0) printLine(`Logged out of ${result.removed.map((name) => `profile ${name}`).join(', ')}`);
      else if (result.not_logged_in) printLine(`Profile ${result.not_logged_in} was not logged in; nothing to do`);
      else printLine('No profile is logged in; nothing to do');
    });

  addApiOptions(program.command('whoami').description('show the profile, account, API base and masked key in use')).action(
    async (options: ApiFlags) => {
      const { whoami } = await import('../account/whoami.js');
      const result = await whoami(options);
      if (globalOptions().json) {
        printJson(result);
        return;
      }
      const { formatFields } = await import('../output/table.js');
      printLine(
        formatFields(
          [
            ['profile', result.sandbox_fallback ? `${result.profile} (no profile is logged in)` : result.profile],
            ['account', `${result.account.name} (${result.account.id}, business ${result.account.business_id})`],
            ['mode', result.account.mode],
            ['API base', result.api_base],
            ['API key', result.api_key],
          ],
          out(),
        ),
      );
    },
  );
}
