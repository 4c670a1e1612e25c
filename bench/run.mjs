// Runs every bench/*.bench.mjs in one process run and writes docs/benchmarks.md.
// Each bench module exports `title` and `run()`, which resolves to
// { rows: [{ metric, value, baseline, ratio, target, met }], notes: [string] }.
// Every figure is a ratio against a baseline measured in the same run, on the same machine.
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.mjs'))
  .filter((name) => only.length === 0 || only.some((part) => name.includes(part)))
  .sort();

const sections = [];
for (const file of files) {
  const bench = await import(new URL(file, import.meta.url).href);
  process.stderr.write(`bench: ${file} …\n`);
  const started = Date.now();
  const result = await bench.run();
  process.stderr.write(`bench: ${file} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  sections.push({ title: bench.title, file, ...result });
}

const lines = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Node.js ${process.version}, ` +
    `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB of memory. ` +
    'Each ratio divides the stamp7 figure by a baseline measured in the same run on the same machine, so ' +
    'the ratios carry across machines better than the raw figures do.',
  '',
];
for (const section of sections) {
  lines.push(`## ${section.title}`, '', `Source: \`bench/${section.file}\`.`, '');
  lines.push('| metric | stamp7 | baseline | ratio | target | met |', '| --- | --- | --- | --- | --- | --- |');
  for (const row of section.rows) {
    lines.push(`| ${row.metric} | ${row.value} | ${row.baseline} | ${row.ratio} | ${row.target} | ${row.met ? 'yes' : '**no**'} |`);
  }
  lines.push('');
  for (const note of section.notes ?? []) lines.push(`- ${note}`);
  if ((section.notes ?? []).length > 0) lines.push('');
}
const out = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
writeFileSync(out, lines.join('\n'));
process.stderr.write(`bench: wrote ${out}\n`);
const missed = sections.flatMap((section) => section.rows.filter((row) => !row.met).map((row) => `${section.title}: ${row.metric}`));
if (missed.length > 0) process.stderr.write(`bench: targets not met: ${missed.join('; ')}\n`);
