import { Option, type Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';

/** The flags every command that calls the API accepts, as commander parses them. */
export interface ApiFlags {
  profile?: string;
  apiBase?: string;
}

/** Adds --profile and --api-base to a command that calls the API. */
export function addApiOptions(command: Command): Command {
  return command
    .addOption(new Option('--profile <name>', 'use this logged-in profile (default: STAMP7_PROFILE, then the active profile)'))
    .addOption(new Option('--api-base <url>', 'call the API at this base URL (default: STAMP7_API_BASE, then the profile\'s)'));
}

/** Picks the API flags out of a command's parsed options. */
export function apiFlags(options: ApiFlags): ApiFlags {
  return { profile: options.profile, apiBase: options.apiBase };
}

/** Parses a `--limit` value: a whole number from 1 to `max`. */
export function parseLimit(text: string, max = 1000): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(value) || value < 1 || value > max) {
    throw new CliError(`invalid --limit "${text}": expected a whole number from 1 to ${max}`, {
      exitCode: ExitCode.usage,
      code: 'invalid_limit',
      hint: `pass --limit 20, for example`,
    });
  }
  return value;
}
