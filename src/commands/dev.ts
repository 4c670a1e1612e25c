import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';

// TODO: placeholder until the command is built; it exits with an error rather than pretending to work.
export function register(program: Command): void {
  program
    .command('dev')
    .description('(not built yet)')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => {
      throw new CliError('stamp7 dev is not built yet', { exitCode: ExitCode.internal, code: 'not_built' });
    });
}
