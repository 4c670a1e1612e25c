import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { CliError, ExitCode, isCliError } from './errors.js';
import { err } from './output/color.js';
import { globalOptions, setGlobalOptions } from './output/context.js';
import { register as registerCheck } from './commands/check.js';
import { register as registerCompletion } from './commands/completion.js';
import { register as registerDeliveries } from './commands/deliveries.js';
import { register as registerDev } from './commands/dev.js';
import { register as registerEndpoints } from './commands/endpoints.js';
import { register as registerEvents } from './commands/events.js';
import { register as registerListen } from './commands/listen.js';
import { register as registerLogin } from './commands/login.js';
import { register as registerReplay } from './commands/replay.js';
import { register as registerSandbox } from './commands/sandbox.js';
import { register as registerSign } from './commands/sign.js';
import { register as registerTrigger } from './commands/trigger.js';
import { register as registerVerify } from './commands/verify.js';

/**
 * Builds the command tree. Each command file declares its options and loads its domain
 * modules only inside its action, so `--help` costs the declarations and nothing more.
 */
export function buildProgram(): Command {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const program = new Command('stamp7')
    .description('Build, test and debug 7stamp webhook integrations')
    .version(manifest.version, '-V, --version')
    .addOption(new Option('--json', 'print machine-readable JSON on stdout'))
    .addOption(new Option('--debug', 'print debug details and stack traces on stderr'))
    .addOption(new Option('--no-color', 'turn off colour (NO_COLOR is honoured too)'))
    .addOption(new Option('-q, --quiet', 'print only data and errors'))
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: () => undefined });

  program.hook('preAction', (_root, action) => {
    const options = action.optsWithGlobals() as { json?: boolean; debug?: boolean; color?: boolean; quiet?: boolean };
    setGlobalOptions({
      json: options.json === true,
      debug: options.debug === true,
      color: options.color !== false,
      quiet: options.quiet === true,
    });
  });

  for (const register of [
    registerTrigger,
    registerSign,
    registerVerify,
    registerListen,
    registerDev,
    registerReplay,
    registerSandbox,
    registerLogin,
    registerEndpoints,
    registerEvents,
    registerDeliveries,
    registerCheck,
    registerCompletion,
  ]) {
    register(program);
  }
  return program;
}

/** Runs the CLI and sets the exit code; the only place that turns errors into exits. */
export async function main(argv: string[]): Promise<void> {
  setGlobalOptions({
    json: argv.includes('--json'),
    debug: argv.includes('--debug'),
    color: !argv.includes('--no-color'),
    quiet: argv.includes('--quiet') || argv.includes('-q'),
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    if (error.code === 'commander.executeSubCommandAsync') return error.exitCode;
    const message = error.message.replace(/^error: /, '');
    return reportError(new CliError(message, { hint: 'run stamp7 --help, or stamp7 COMMAND --help', exitCode: ExitCode.usage, code: 'invalid_usage' }));
  }

  const { json, debug } = globalOptions();
  if (isCliError(error)) {
    if (json) {
      process.stderr.write(`${JSON.stringify({ error: { code: error.code, message: error.message, hint: error.hint ?? null, exit_code: error.exitCode } })}\n`);
    } else {
      process.stderr.write(`${err().red('error:')} ${error.message}\n`);
      if (error.hint) process.stderr.write(`${err().dim('hint:')} ${error.hint}\n`);
    }
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }

  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code: 'internal', message, hint: 'this is likely a bug in stamp7', exit_code: ExitCode.internal } })}\n`);
  } else {
    process.stderr.write(`${err().red('internal error:')} ${message}\n`);
    process.stderr.write(`${err().dim('hint:')} this is likely a bug in stamp7; run again with --debug and report the output\n`);
  }
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return ExitCode.internal;
}
