import { Argument, type Command } from 'commander';

/** Registers `stamp7 completion`, which prints a completion script built from the command tree. */
export function register(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      `
Examples:
  source <(stamp7 completion bash)            # add to ~/.bashrc
  source <(stamp7 completion zsh)             # add to ~/.zshrc
  stamp7 completion fish > ~/.config/fish/completions/stamp7.fish`,
    )
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const { buildCompletionTree } = await import('../completion/tree.js');
      const { completionScript } = await import('../completion/scripts.js');
      process.stdout.write(completionScript(shell, buildCompletionTree(program)));
    });
}
