import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError, ExitCode } from '../errors.js';
import { renderJunit } from './junit.js';
import type { CheckReport } from './types.js';

/** Writes the JUnit XML report, creating its folder. Throws a usage error when the path cannot be written. */
export function writeJunitFile(path: string, report: CheckReport): void {
  const target = resolve(path);
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, renderJunit(report), 'utf8');
  } catch (error) {
    throw new CliError(`cannot write the JUnit report to ${target}: ${(error as Error).message}`, {
      hint: 'pass a --junit path in a folder you can write to',
      exitCode: ExitCode.usage,
      code: 'invalid_junit_path',
      cause: error,
    });
  }
}
