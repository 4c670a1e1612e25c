import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { CliError, ExitCode, isCliError } from './errors.js';
import { err } from './output/color.js';
import { globalOptions, setGlobalOptions } from './output/context.js';
type Register = (program: Command) => void;

/**
 * The module that declares each command. Only the module of the command being run is loaded, so
 * `stamp7 trigger` does not pay for the other twelve command modules. `--help`, an unknown
 * name and `completion` (which walks the whole tree) load them all.
 */
const COMMAND_MODULES: Record<string, () => Promise<{ register: Register }>> = {
  trigger: () => import('./commands/trigger.js'),
  sign: () => import('./commands/sign.js'),
  verify: () => import('./commands/verify.js'),
  listen: () => import('./commands/listen.js'),
  dev: () => import('./commands/dev.js'),
  replay: () => import('./commands/replay.js'),
  sandbox: () => import('./commands/sandbox.js'),
  login: () => import('./commands/login.js'),
  endpoints: () => import('./commands/endpoints.js'),
  events: () => import('./commands/events.js'),
  deliveries: () => import('./commands/deliveries.js'),
  check: () => import('./commands/check.js'),
  completion: () => import('./commands/completion.js'),
};

/** Commands declared in another command's module. */
const COMMAND_ALIASES_TO_MODULE: Record<string, string> = { logout: 'login', whoami: 'login' };

/** Returns the modules to load for these arguments: the named command's, or all of them. */
function modulesFor(args: string[]): string[] {
  const name = args.find((arg) => !arg.startsWith('-'));
  const module = name === undefined ? undefined : (COMMAND_ALIASES_TO_MODULE[name] ?? name);
  if (module === undefined || module === 'completion' || module === 'help' || !(module in COMMAND_MODULES)) {
    return Object.keys(COMMAND_MODULES);
  }
  return [module];
}

/**
 * Builds the command tree. Each command file declares its options and loads its domain
 * modules only inside its action, so `--help` costs the declarations and nothing more.
 */
export async function buildProgram(args: string[] = []): Promise<Command> {
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

  const modules = await Promise.all(modulesFor(args).map((name) => COMMAND_MODULES[name]!()));
  for (const module of modules) module.register(program);
  return program;
}

/** Runs the CLI and sets the exit code; the only place that turns errors into exits. */
export async function main(argv: string[]): Promise<void> {
  // A reader that goes away (`stamp7 trigger --list | head`) is a normal end, not a crash.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  setGlobalOptions({
    json: argv.includes('--json'),
    debug: argv.includes('--debug'),
    color: !argv.includes('--no-color'),
    quiet: argv.includes('--quiet') || argv.includes('-q'),
  });
  const program = await buildProgram(argv.slice(2));
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
