/**
 * Exit codes shared by every command. README.md documents the same table, so a script can
 * branch on the code without parsing messages.
 */
export const ExitCode = {
  ok: 0,
  /** A delivery, check or assertion did not get the expected response. */
  failure: 1,
  /** An invalid flag, argument, input file, URL or JSON. */
  usage: 2,
  /** The config file is unreadable, or no profile is logged in. */
  config: 3,
  /** The API key is missing, invalid or revoked (HTTP 401 or 403). */
  auth: 4,
  /** The API returned 404 for an id. */
  notFound: 5,
  /** The network failed: DNS, connection refused, reset, timeout or TLS. */
  network: 6,
  /** The platform returned an error or a response stamp7 cannot read. */
  api: 7,
  /** A bug in stamp7 itself. */
  internal: 70,
  /** Stopped by Ctrl-C (SIGINT). */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface CliErrorOptions {
  /** The next command, flag or variable to try. */
  hint?: string;
  exitCode?: ExitCodeValue;
  cause?: unknown;
  /** A machine-readable code for `--json` output, such as `invalid_url`. */
  code?: string;
}

/** An expected failure with a one-line message for the user; only bin/ turns it into an exit. */
export class CliError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;
  readonly code: string;

  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.code = options.code ?? 'error';
  }
}

/** Creates a CliError for invalid user input (exit code 2). */
export function usageError(message: string, hint?: string, code = 'invalid_input'): CliError {
  return new CliError(message, { hint, exitCode: ExitCode.usage, code });
}

export function isCliError(error: unknown): error is CliError {
  return error instanceof CliError;
}
