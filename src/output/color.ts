import { Chalk, type ChalkInstance } from 'chalk';

/**
 * The one place that decides about colour. Colour is off for `--no-color`, `--json`, when
 * NO_COLOR is set to any non-empty value (no-color.org), or when the stream is not a TTY.
 */
export function wantsColor(stream: NodeJS.WriteStream, flags: { color?: boolean; json?: boolean } = {}): boolean {
  if (flags.color === false || flags.json) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

let stdoutColor: ChalkInstance = new Chalk({ level: 0 });
let stderrColor: ChalkInstance = new Chalk({ level: 0 });

/** Sets the colour level of both streams once the global flags are known. */
export function configureColor(flags: { color?: boolean; json?: boolean }): void {
  stdoutColor = new Chalk({ level: wantsColor(process.stdout, flags) ? 1 : 0 });
  stderrColor = new Chalk({ level: wantsColor(process.stderr, flags) ? 1 : 0 });
}

/** Colour functions for text written to stdout. */
export function out(): ChalkInstance {
  return stdoutColor;
}

/** Colour functions for text written to stderr. */
export function err(): ChalkInstance {
  return stderrColor;
}
