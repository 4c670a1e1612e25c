import { flattenTree, type CompletionNode, type CompletionOption } from './tree.js';

/** Completion scripts for bash, zsh and fish, generated from the command tree. */

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell, root: CompletionNode): string {
  if (shell === 'bash') return bashScript(root);
  if (shell === 'zsh') return zshScript(root);
  return fishScript(root);
}

/** Quotes a word for bash and zsh. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function optionWords(option: CompletionOption): string[] {
  return [option.long, option.short].filter((word): word is string => word !== undefined);
}

function valueOptions(nodes: CompletionNode[]): string[] {
  const words = new Set<string>();
  for (const node of nodes) for (const option of node.options) if (option.takesValue) optionWords(option).forEach((word) => words.add(word));
  return [...words].sort();
}

/**
 * Writes the shell function that bash and zsh share for walking the typed words. The walk
 * skips options (and the value after an option that takes one), and descends into a child
 * command when a word names one.
 */
function pathCases(nodes: CompletionNode[], functionName: string): string {
  const cases = nodes
    .filter((node) => node.children.length > 0)
    .flatMap((node) => node.children.map((child) => `    ${quote(`${node.path.join(' ')}|${child.name}`)}) return 0 ;;`));
  return [`${functionName}() {`, '  case "$1|$2" in', ...cases, '  esac', '  return 1', '}'].join('\n');
}

function bashScript(root: CompletionNode): string {
  const nodes = flattenTree(root);
  const wordCases = nodes.map((node) => {
    const words = [...node.children.map((child) => child.name), ...node.argumentChoices, ...node.options.flatMap(optionWords)];
    return `    ${quote(node.path.join(' '))}) echo ${quote(words.join(' '))} ;;`;
  });
  return `# bash completion for stamp7. Load it with: source <(stamp7 completion bash)
${pathCases(nodes, '_stamp7_is_command')}

_stamp7_words() {
  case "$1" in
${wordCases.join('\n')}
  esac
}

_stamp7() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" word skip="" i
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if [[ -n "$skip" ]]; then skip=""; continue; fi
    case " ${valueOptions(nodes).join(' ')} " in *" $word "*) skip=1; continue ;; esac
    [[ "$word" == -* ]] && continue
    if _stamp7_is_command "$path" "$word"; then path="\${path:+$path }$word"; fi
  done
  [[ -n "$skip" ]] && return 0
  COMPREPLY=($(compgen -W "$(_stamp7_words "$path")" -- "$cur"))
}
complete -o default -F _stamp7 stamp7
`;
}

function zshEntry(name: string, description: string): string {
  return quote(`${name.replace(/:/g, '\\:')}:${description}`);
}

function zshScript(root: CompletionNode): string {
  const nodes = flattenTree(root);
  const candidateCases = nodes.map((node) => {
    const entries = [
      ...node.children.map((child) => zshEntry(child.name, child.description)),
      ...node.argumentChoices.map((choice) => zshEntry(choice, '')),
      ...node.options.flatMap((option) => optionWords(option).map((word) => zshEntry(word, option.description))),
    ];
    return `    ${quote(node.path.join(' '))}) reply=(${entries.join(' ')}) ;;`;
  });
  return `#compdef stamp7
# zsh completion for stamp7. Load it with: source <(stamp7 completion zsh)
${pathCases(nodes, '_stamp7_is_command')}

_stamp7_candidates() {
  case "$1" in
${candidateCases.join('\n')}
  esac
}

_stamp7() {
  local path="" word skip="" i
  local -a reply
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    if [[ -n "$skip" ]]; then skip=""; continue; fi
    case " ${valueOptions(nodes).join(' ')} " in *" $word "*) skip=1; continue ;; esac
    [[ "$word" == -* ]] && continue
    if _stamp7_is_command "$path" "$word"; then path="\${path:+$path }$word"; fi
  done
  if [[ -n "$skip" ]]; then _files; return; fi
  _stamp7_candidates "$path"
  _describe -t commands 'stamp7' reply
}
compdef _stamp7 stamp7
`;
}

/** Quotes a word for fish, whose single quotes take \\' and \\\\ escapes. */
function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fishScript(root: CompletionNode): string {
  const lines = ['# fish completion for stamp7. Load it with: stamp7 completion fish | source', 'complete -c stamp7 -f'];
  for (const node of flattenTree(root)) {
    const condition = fishCondition(node);
    for (const child of node.children) {
      lines.push(`complete -c stamp7 -n ${fishQuote(condition)} -a ${fishQuote(child.name)} -d ${fishQuote(child.description)}`);
    }
    for (const choice of node.argumentChoices) lines.push(`complete -c stamp7 -n ${fishQuote(condition)} -a ${fishQuote(choice)}`);
    for (const option of node.options) {
      const flags = [option.long ? `-l ${option.long.replace(/^--/, '')}` : '', option.short ? `-s ${option.short.replace(/^-/, '')}` : ''].filter(Boolean).join(' ');
      const takesValue = option.takesValue ? ' -r' : '';
      const scope = node.path.length === 0 ? '' : ` -n ${fishQuote(condition)}`;
      lines.push(`complete -c stamp7${scope} ${flags}${takesValue} -d ${fishQuote(option.description)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Builds the fish condition for "the command line is at this node": every word of the path
 * has been typed, and no child of the node yet.
 */
function fishCondition(node: CompletionNode): string {
  const seen = node.path.map((word) => `__fish_seen_subcommand_from ${word}`);
  const childNames = node.children.map((child) => child.name);
  const notFurther = childNames.length > 0 ? [`not __fish_seen_subcommand_from ${childNames.join(' ')}`] : [];
  const parts = [...seen, ...notFurther];
  return parts.length === 0 ? '__fish_use_subcommand' : parts.join('; and ');
}
