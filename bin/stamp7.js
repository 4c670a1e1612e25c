#!/usr/bin/env node
// The entry stays tiny: `--version` answers from package.json without loading any command,
// and everything else loads the compiled CLI, which loads each command's modules lazily.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${manifest.version}\n`);
} else {
  const { main } = await import('../dist/cli.js');
  await main(process.argv);
}
