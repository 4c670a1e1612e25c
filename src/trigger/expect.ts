import { CliError, ExitCode } from '../errors.js';

/** An `--expect` rule: a list of exact statuses and status classes such as `2xx`. */
export interface StatusExpectation {
  text: string;
  matches(statusCode: number | null): boolean;
}

/** The default rule: a delivery succeeds on any 2xx status, as the platform counts it. */
export const EXPECT_2XX: StatusExpectation = parseExpectation('2xx');

/**
 * Parses `--expect`: comma-separated exact statuses (`200`, `401`) and classes (`2xx`, `4xx`).
 * A delivery with no HTTP response never matches. Throws a CliError (exit code 2) for anything else.
 */
export function parseExpectation(text: string): StatusExpectation {
  const exact = new Set<number>();
  const classes = new Set<number>();
  for (const raw of text.split(',')) {
    const item = raw.trim().toLowerCase();
    if (/^[1-5]xx$/.test(item)) {
      classes.add(Number(item[0]));
    } else if (/^[1-5]\d\d$/.test(item)) {
      exact.add(Number(item));
    } else {
      throw new CliError(`invalid --expect "${text}": "${raw.trim()}" is not a status or class`, {
        hint: 'use statuses and classes such as 200, 2xx, 401 or 4xx, separated by commas',
        exitCode: ExitCode.usage,
        code: 'invalid_expect',
      });
    }
  }
  return {
    text: text.trim(),
    matches: (statusCode) => statusCode !== null && (exact.has(statusCode) || classes.has(Math.floor(statusCode / 100))),
  };
}
