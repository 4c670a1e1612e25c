import type { Command } from 'commander';

/** One command of the tree, as the completion scripts need it. */
export interface CompletionNode {
  name: string;
  description: string;
  /** The words that lead here from the root, such as `["endpoints", "list"]`. */
  path: string[];
  options: CompletionOption[];
  /** Fixed values of the first argument, from commander's `choices`. */
  argumentChoices: string[];
  children: CompletionNode[];
}

export interface CompletionOption {
  long: string | undefined;
  short: string | undefined;
  description: string;
  /** True when the option is followed by a value, so the next word is not a command. */
  takesValue: boolean;
}

/** Builds the completion tree by walking commander's commands and options. */
export function buildCompletionTree(command: Command, path: string[] = []): CompletionNode {
  const options: CompletionOption[] = command.options
    .filter((option) => !option.hidden)
    .map((option) => ({
      long: option.long,
      short: option.short,
      description: firstLine(option.description),
      takesValue: option.required || option.optional,
    }));
  options.push({ long: '--help', short: '-h', description: 'show help', takesValue: false });

  const argumentChoices = command.registeredArguments[0]?.argChoices ?? [];
  const children = command.commands
    .filter((child) => !(child as Command & { _hidden?: boolean })._hidden)
    .map((child) => buildCompletionTree(child, [...path, child.name()]));

  return { name: command.name(), description: firstLine(command.description()), path, options, argumentChoices: [...argumentChoices], children };
}

/** Lists every node of the tree, the root first. */
export function flattenTree(root: CompletionNode): CompletionNode[] {
  return [root, ...root.children.flatMap(flattenTree)];
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}
