import { CliError, ExitCode } from '../errors.js';
import { globalOptions } from '../output/context.js';

/**
 * Prompts and spinners of the account commands. Callers check `canPrompt()` first. Every
 * prompt and spinner writes to stderr, so stdout carries only data even on a TTY.
 */

/**
 * Loads @clack/prompts for output on stderr. A terminal that reports 0 columns (a serial
 * console, or a pseudo-terminal from `script` before any resize) would make clack wrap its
 * boxes one character per line, so such a width is read as the usual 80.
 */
async function loadPrompts(): Promise<typeof import('@clack/prompts')> {
  if (process.stderr.isTTY && !process.stderr.columns) process.stderr.columns = 80;
  return import('@clack/prompts');
}

function cancelled(): CliError {
  return new CliError('cancelled', { exitCode: ExitCode.interrupted, code: 'cancelled' });
}

/** Asks for an API key with a masked prompt, after saying where keys are created. */
export async function promptApiKey(validate: (value: string) => string | undefined): Promise<string> {
  const { isCancel, note, password } = await loadPrompts();
  note(
    'Create an API key in the 7stamp admin app: Stamp Cards -> API & Integrations.\nThe key starts with 7loc_sc_ and is shown once, so copy it now.',
    'API key',
    { output: process.stderr },
  );
  const value = await password({
    message: 'Paste your API key',
    validate: (text) => validate((text ?? '').trim()),
    input: process.stdin,
    output: process.stderr,
  });
  if (isCancel(value)) throw cancelled();
  return value.trim();
}

/** Asks a yes/no question; the answer defaults to no. */
export async function promptConfirm(message: string): Promise<boolean> {
  const { confirm, isCancel } = await loadPrompts();
  const answer = await confirm({ message, initialValue: false, input: process.stdin, output: process.stderr });
  if (isCancel(answer)) throw cancelled();
  return answer;
}

/** Lets the user pick several values from a list; `all` is offered as the first choice. */
export async function promptMultiselect(message: string, choices: Array<{ value: string; label: string; hint?: string }>): Promise<string[]> {
  const { isCancel, multiselect } = await loadPrompts();
  const picked = await multiselect<string>({
    message,
    options: choices,
    required: true,
    input: process.stdin,
    output: process.stderr,
  });
  if (isCancel(picked)) throw cancelled();
  return picked;
}

/**
 * Runs `task` with a spinner on stderr when stderr is a TTY and neither --json nor --quiet
 * is set; otherwise runs it silently.
 */
export async function withSpinner<T>(message: string, task: () => Promise<T>): Promise<T> {
  const { json, quiet } = globalOptions();
  if (process.stderr.isTTY !== true || json || quiet) return task();

  const { spinner } = await loadPrompts();
  const indicator = spinner({ output: process.stderr });
  indicator.start(message);
  try {
    const result = await task();
    indicator.stop(message);
    return result;
  } catch (error) {
    indicator.error(message);
    throw error;
  }
}
