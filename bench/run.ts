/**
 * `npm run bench`: the canonical workloads of DEVELOPERS.md on every Tessera backend, side by
 * side with TensorFlow.js (cpu, and wasm when it loads) measured in the same process run, and
 * with PyTorch and numpy (bench/torch_bench.py, a `/usr/bin/python3` child whose rounds
 * interleave with the JS rounds), printed as ratios and written to `bench/results.md` and
 * `bench/results.json`.
 *
 * Usage: `npm run bench [-- --only sgemm,mlp_train,cnn_train,convnet_train,lstm_train,mlp_predict,
 * op_overhead] [-- --quick] [-- --full-epochs] [-- --no-memory]` (`--quick` shrinks every workload
 * for a smoke check; `--full-epochs` times whole epochs even on contenders that need minutes for
 * one; `--no-memory` skips the peak-RSS children of the training workloads;
 * `TESSERA_BENCH_NO_WASM=1` leaves the tfjs wasm backend out, `TESSERA_BENCH_NO_PYTHON=1` the
 * Python contenders.)
 *
 * Run it on a quiet machine: every contender shares the cores with whatever else runs.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendInfo } from '../src/index.js';
import type { BenchOptions, WorkloadResult } from './harness.js';
import {
  cnnTrainWorkload,
  convnetTrainWorkload,
  lstmTrainWorkload,
  mlpPredictWorkload,
  mlpTrainWorkload,
  transformerTrainWorkload,
} from './models.js';
import { opOverheadWorkload } from './op_overhead.js';
import {
  OPENMP_BLAS_DIR,
  PYTHON,
  PYTHON_THREADS,
  type PythonSide,
  closePython,
  describeBlas,
  pythonSide,
  ranOpenmpBlas,
} from './python.js';
import { sgemmWorkload } from './sgemm.js';
import { describeTfjs, tfjsBackends } from './tfjs.js';

const workloads: { name: string; run: (o: BenchOptions) => Promise<WorkloadResult> }[] = [
  { name: 'sgemm', run: sgemmWorkload },
  { name: 'mlp_train', run: mlpTrainWorkload },
  { name: 'cnn_train', run: cnnTrainWorkload },
  { name: 'convnet_train', run: convnetTrainWorkload },
  { name: 'lstm_train', run: lstmTrainWorkload },
  { name: 'transformer_train', run: transformerTrainWorkload },
  { name: 'mlp_predict', run: mlpPredictWorkload },
  { name: 'op_overhead', run: opOverheadWorkload },
];

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1]?.split(',') : undefined;
const options: BenchOptions = {
  quick: args.includes('--quick'),
  fullEpochs: args.includes('--full-epochs'),
  memory: !args.includes('--no-memory'),
};

/** One line on the Python contenders for the header. */
function describePython(p: PythonSide): string {
  if (!p.info) return `PyTorch and numpy skipped: ${p.unavailable}`;
  const i = p.info;
  const torch = i.torch ? `torch ${i.torch}` : `torch unavailable (${i.torchError})`;
  const threads = `${PYTHON_THREADS} threads (torch.set_num_threads, OMP/OPENBLAS_NUM_THREADS)`;
  const env = 'OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment';
  return `Python ${i.python} (${PYTHON}): ${torch}, numpy ${i.numpy}; BLAS that ran: ${describeBlas(i)}; ${threads}, ${env}`;
}

/** A loud line when the Python child did not run the OpenMP OpenBLAS (undefined when it did). */
function blasWarning(p: PythonSide): string | undefined {
  if (!p.info || ranOpenmpBlas(p.info)) return undefined;
  const why = p.info.openmpBlasMissing
    ? `${OPENMP_BLAS_DIR} does not exist (apt-get install -y libopenblas0-openmp)`
    : `the child loaded ${describeBlas(p.info)} despite LD_LIBRARY_PATH=${OPENMP_BLAS_DIR}`;
  return `WARNING: PyTorch and numpy did NOT run on the OpenMP OpenBLAS: ${why}. A pthread OpenBLAS fights PyTorch's OpenMP threads for the cores, so the Python figures below understate PyTorch and the ratios overstate Tessera.`;
}

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
  const py = await pythonSide();
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
    tfjsVersion: describeTfjs(tfb),
    ...(tfb.wasmUnavailable ? { tfjsWasmUnavailable: tfb.wasmUnavailable } : {}),
    python: py.info ?? { unavailable: py.unavailable },
    ...options,
  };
  const date = new Date().toISOString();
  const header = [
    `Machine: ${cpu}, ${machine.cores} cores, ${machine.os}; load average ${machine.loadAverage} at start`,
    `Node ${process.version}; Tessera backends: ${info.registered.join(', ')} (default ${info.name}); ${describeTfjs(tfb)}`,
    describePython(py),
    `${date}${options.quick ? ' — quick mode (shrunken workloads, smoke check only)' : ''}`,
  ];
  const blasWarn = blasWarning(py);
  if (blasWarn) header.push(`**${blasWarn}**`);
  console.log(`Tessera bench\n${header.join('\n')}`);
  if (tfb.wasmUnavailable) console.log(`tfjs-wasm unavailable: ${tfb.wasmUnavailable}`);

  const results: WorkloadResult[] = [];
  const md: string[] = ['# Tessera benchmark results', '', ...header.map((l) => `${l}  `), ''];
  md.push(
    '**The machine must be quiet while this runs**: every contender shares its cores with',
    'whatever else runs, and the load average above says how busy it was at the start.',
    '',
    'Throughputs are medians over interleaved rounds (each round runs every JS contender, then',
    'the Python ones) after one warm-up run; a ratio above 1× means Tessera is faster.',
    'Tessera and TensorFlow.js run single-threaded in this process unless a backend says',
    `otherwise; PyTorch and numpy run with ${PYTHON_THREADS} threads.`,
    '',
    'Each Tessera backend has an `eager` row (`compile({ jitCompile: false })`) and a `compiled`',
    "row (`jitCompile: 'auto'`, timed only where the engine reports a compiled step; otherwise",
    'the row says why). Under each training workload, a memory table gives the peak RSS of every',
    'Tessera backend and mode and of PyTorch, each measured in a fresh process of its own, and',
    'the bytes one Tessera step allocates.',
    '',
  );
  if (machine.loadAverage > 0.5) {
    const warning = `Warning: the load average was ${machine.loadAverage} at the start, so other work competed for the ${machine.cores} cores: treat these figures as rough.`;
    console.log(warning);
    md.push(warning, '');
  }
  if (py.info?.blas?.startsWith('reference')) {
    md.push(
      `Note: numpy and PyTorch's matmul use the reference BLAS here (Debian libblas3), not`,
      'OpenBLAS, so their sgemm, MLP and LSTM figures are far below what they reach with',
      'OpenBLAS (`apt-get install libopenblas0-pthread`); PyTorch convolutions use oneDNN.',
      '',
    );
  }
  try {
    for (const w of workloads) {
      if (only && !only.includes(w.name)) continue;
      console.log(`\n${w.name}…`);
      const t0 = performance.now();
      const r = await w.run(options);
      results.push(r);
      const notes = r.notes?.length ? `\n${r.notes.join('\n')}` : '';
      console.log(
        `## ${r.name} (${r.unit})\n${r.table}${notes}\n(${((performance.now() - t0) / 1000).toFixed(0)} s)`,
      );
      md.push(`## ${r.name} (${r.unit})`, '', r.table, '');
      if (r.notes?.length) md.push(...r.notes.map((n) => `${n}  `), '');
    }
  } finally {
    closePython();
  }
  const loadAtEnd = Number(loadavg()[0]!.toFixed(2));
  md.push(`Load average at the end: ${loadAtEnd}.`);
  const here = dirname(fileURLToPath(import.meta.url));
  writeFileSync(join(here, 'results.md'), `${md.join('\n').trimEnd()}\n`);
  writeFileSync(
    join(here, 'results.json'),
    `${JSON.stringify({ ...machine, loadAverageAtEnd: loadAtEnd, date, results }, null, 2)}\n`,
  );
  console.log(`\nwrote ${join('bench', 'results.md')} and ${join('bench', 'results.json')}`);
}

await main();
