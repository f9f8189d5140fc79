/**
 * `npm run bench`: the canonical workloads of DEVELOPERS.md on every Tessera backend, side by
 * side with TensorFlow.js measured in the same process run, printed as ratios and written to
 * `bench/results.md` and `bench/results.json`.
 *
 * Usage: `npm run bench [-- --only sgemm] [-- --quick]`
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendInfo } from '../src/index.js';
import { type WorkloadResult, sgemmWorkload } from './sgemm.js';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const quick = args.includes('--quick');

const workloads: { name: string; run: (quick: boolean) => Promise<WorkloadResult> }[] = [
  { name: 'sgemm', run: sgemmWorkload },
];

async function main(): Promise<void> {
  const info = backendInfo();
  console.log(`Tessera bench — node ${process.version}, backends: ${info.registered.join(', ')}`);
  const results: WorkloadResult[] = [];
  const md: string[] = [
    '# Tessera benchmark results',
    '',
    `Node ${process.version}; ${new Date().toISOString()}`,
    '',
  ];
  for (const w of workloads) {
    if (only && w.name !== only) continue;
    const r = await w.run(quick);
    results.push(r);
    console.log(`\n## ${r.name} (${r.unit})\n${r.table}`);
    md.push(`## ${r.name} (${r.unit})`, '', r.table, '');
  }
  const here = dirname(fileURLToPath(import.meta.url));
  writeFileSync(join(here, 'results.md'), `${md.join('\n')}\n`);
  writeFileSync(
    join(here, 'results.json'),
    `${JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2)}\n`,
  );
  console.log(`\nwrote ${join('bench', 'results.md')} and ${join('bench', 'results.json')}`);
}

await main();
