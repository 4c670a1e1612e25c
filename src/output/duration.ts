import { CliError, ExitCode } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest delay setTimeout honours (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Parses a duration flag such as `500ms`, `2s`, `1.5s`, `1m`, `1h` or `7d` into milliseconds.
 * A bare number is taken as seconds. Throws a CliError (exit code 2) that names the flag
 * for anything else, including negative values and durations over `maxMs` (by default
 * MAX_TIMER_MS, because most durations end up in a timer).
 */
export function parseDuration(text: string, flagName: string, maxMs = MAX_TIMER_MS): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!match) {
    throw new CliError(`invalid ${flagName} "${truncate(text)}": expected a duration such as 500ms, 10s or 1m`, {
      hint: 'units are ms, s, m, h and d; a number without a unit is seconds',
      exitCode: ExitCode.usage,
      code: 'invalid_duration',
    });
  }
  const unit = (match[2] ?? 's').toLowerCase();
  const ms = Math.round(Number(match[1]) * UNIT_MS[unit]!);
  if (!(ms <= maxMs)) {
    throw new CliError(`invalid ${flagName} "${truncate(text)}": the longest duration is ${Math.floor(maxMs / 3_600_000)}h`, {
      hint: `pass a duration up to ${Math.floor(maxMs / 3_600_000)}h`,
      exitCode: ExitCode.usage,
      code: 'invalid_duration',
    });
  }
  return ms;
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Formats milliseconds for messages: `850 ms`, `2.5 s`, `1.5 min`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))} s`;
  return `${Number((ms / 60_000).toFixed(2))} min`;
}
