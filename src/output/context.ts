import { configureColor, err } from './color.js';

/** The global flags, known once commander has parsed them. */
export interface GlobalOptions {
  json: boolean;
  debug: boolean;
  quiet: boolean;
  color: boolean;
}

const globals: GlobalOptions = { json: false, debug: false, quiet: false, color: true };

export function setGlobalOptions(options: Partial<GlobalOptions>): void {
  Object.assign(globals, options);
  if (process.env.STAMP7_DEBUG === '1') globals.debug = true;
  configureColor(globals);
}

export function globalOptions(): Readonly<GlobalOptions> {
  return globals;
}

/** True when prompts are allowed: stdin is a TTY and CI is not set. */
export function canPrompt(): boolean {
  const ci = process.env.CI;
  return process.stdin.isTTY === true && (ci === undefined || ci === '' || ci === 'false' || ci === '0');
}

/** Writes one JSON document (or NDJSON line) to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Writes a line of data to stdout. */
export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Writes a status line to stderr, unless `--quiet`. */
export function info(message: string): void {
  if (!globals.quiet) process.stderr.write(`${message}\n`);
}

/** Writes a warning to stderr; `--quiet` does not hide warnings. */
export function warn(message: string): void {
  process.stderr.write(`${err().yellow('warning:')} ${message}\n`);
}

/** Writes a debug line to stderr when `--debug` is on. */
export function debug(message: string): void {
  if (globals.debug) process.stderr.write(`${err().dim(`debug: ${message}`)}\n`);
}
