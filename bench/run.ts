/**
 * `npm run bench`: the canonical workloads of DEVELOPERS.md on every Tessera backend, side by
 * side with TensorFlow.js (cpu, and wasm when it loads) measured in the same process run,
 * printed as ratios and written to `bench/results.md` and `bench/results.json`.
 *
 * Usage: `npm run bench [-- --only sgemm|mlp_train|mlp_predict[,…]] [-- --quick]`
 * (`--quick` shrinks every workload for a smoke check; `TESSERA_BENCH_NO_WASM=1` leaves the
 * tfjs wasm backend out.)
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendInfo } from '../src/index.js';
import type { WorkloadResult } from './harness.js';
import { mlpPredictWorkload, mlpTrainWorkload } from './mlp.js';
import { sgemmWorkload } from './sgemm.js';
import { describeTfjs, tfjsBackends } from './tfjs.js';

const workloads: { name: string; run: (quick: boolean) => Promise<WorkloadResult> }[] = [
  { name: 'sgemm', run: sgemmWorkload },
  { name: 'mlp_train', run: mlpTrainWorkload },
  { name: 'mlp_predict', run: mlpPredictWorkload },
];

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1]?.split(',') : undefined;
const quick = args.includes('--quick');

async function main(): Promise<void> {
  const known = workloads.map((w) => w.name);
  const unknown = only ? only.filter((n) => !known.includes(n)) : [];
  if (only && (only.length === 0 || unknown.length > 0)) {
    console.error(`--only: unknown workload '${unknown.join(', ')}'; known: ${known.join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const info = backendInfo();
  const tfb = await tfjsBackends();
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const machine = {
    cpu,
    cores: availableParallelism(),
    os: `${platform()} ${release()}`,
    /** The 1-minute load average at start: other work on the machine slows every contender. */
    loadAverage: Number(loadavg()[0]!.toFixed(2)),
    node: process.version,
    tessera: info.registered,
    tfjs: tfb.available,
    ...(tfb.wasmUnavailable ? { tfjsWasmUnavailable: tfb.wasmUnavailable } : {}),
    quick,
  };
  const date = new Date().toISOString();
  const header = [
    `Machine: ${cpu}, ${machine.cores} cores, ${machine.os}; load average ${machine.loadAverage} at start`,
    `Node ${process.version}; Tessera backends: ${info.registered.join(', ')} (default ${info.name}); ${describeTfjs(tfb)}`,
    `${date}${quick ? ' — quick mode (shrunken workloads, smoke check only)' : ''}`,
  ];
  console.log(`Tessera bench\n${header.join('\n')}`);
  if (tfb.wasmUnavailable) console.log(`tfjs-wasm unavailable: ${tfb.wasmUnavailable}`);

  const results: WorkloadResult[] = [];
  const md: string[] = ['# Tessera benchmark results', '', ...header.map((l) => `${l}  `), ''];
  md.push(
    'Throughputs are medians over interleaved rounds after one warm-up run; a ratio above 1×',
    'means Tessera is faster.',
    '',
  );
  for (const w of workloads) {
    if (only && !only.includes(w.name)) continue;
    console.log(`\n${w.name}…`);
    const t0 = performance.now();
    const r = await w.run(quick);
    results.push(r);
    const notes = r.notes?.length ? `\n${r.notes.join('\n')}` : '';
    console.log(
      `## ${r.name} (${r.unit})\n${r.table}${notes}\n(${((performance.now() - t0) / 1000).toFixed(0)} s)`,
    );
    md.push(`## ${r.name} (${r.unit})`, '', r.table, '');
    if (r.notes?.length) md.push(...r.notes.map((n) => `${n}  `), '');
  }
  const here = dirname(fileURLToPath(import.meta.url));
  writeFileSync(join(here, 'results.md'), `${md.join('\n').trimEnd()}\n`);
  writeFileSync(
    join(here, 'results.json'),
    `${JSON.stringify({ ...machine, date, results }, null, 2)}\n`,
  );
  console.log(`\nwrote ${join('bench', 'results.md')} and ${join('bench', 'results.json')}`);
}

await main();
