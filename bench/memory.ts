/**
 * The memory table of a training workload in `npm run bench`: the peak RSS of each Tessera
 * backend and step mode, and of PyTorch, each measured in a fresh process of its own after the
 * timed rounds (a process's peak RSS cannot be split between contenders sharing it), plus the
 * bytes a Tessera step allocates (see `memory_child.ts` for how that is estimated).
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatValue, markdownTable, shortError } from './harness.js';
import type { DataSpec, ModelName, StepMode } from './model_defs.js';
import { pythonRss, pythonSide } from './python.js';

/** What `memory_child.ts` prints. */
interface ChildAnswer {
  startKB: number;
  peakKB: number;
  compiled: boolean;
  reason: string;
  steps: number;
  stepsWithoutGc: number;
  gcs: number;
  externalPerStep: number | null;
  heapPerStep: number | null;
  seconds: number;
}

/** A training workload as the memory pass needs it. */
export interface MemorySpec extends DataSpec {
  workload: ModelName;
  batchSize: number;
  /** Tessera backends to measure. */
  backends: string[];
  /** Per backend, why its compiled mode is not measured (the timed run found it ran eager). */
  compiledUnavailable: Record<string, string>;
  quick: boolean;
  /** The sizes torch_bench.py takes. */
  python: Record<string, unknown>;
}

const here = dirname(fileURLToPath(import.meta.url));

function runChild(request: Record<string, unknown>): Promise<ChildAnswer> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(here, 'memory_child.ts'), JSON.stringify(request)],
      { cwd: join(here, '..'), timeout: 600_000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          const lines = stderr.trim().split('\n');
          const last = lines.find((l) => /^[A-Za-z]*Error\b/.test(l)) ?? lines.pop() ?? err.message;
          reject(new Error(last));
          return;
        }
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop()!) as ChildAnswer);
        } catch (e) {
          reject(new Error(`memory_child: bad answer (${shortError(e)})`));
        }
      },
    );
  });
}

const mb = (kb: number) => (kb / 1024).toFixed(0);
const bytes = (b: number | null) => (b === null ? 'n/a (a GC every step)' : formatValue(b));

/**
 * Measures the peak RSS of every Tessera backend × step mode and of PyTorch on one training
 * workload, each in a fresh process training one epoch over at most 16 batches (4 with
 * `--quick`) after a 2-batch warm-up, and answers a Markdown table and its rows.
 *
 * @example
 * const m = await memoryTable({ workload: 'mlp_train', samples: 8192, batchSize: 128, ... });
 */
export async function memoryTable(spec: MemorySpec): Promise<{
  table: string;
  rows: Record<string, number | string>[];
  notes: string[];
}> {
  const samples = Math.min(spec.samples, (spec.quick ? 4 : 16) * spec.batchSize);
  const data: DataSpec = { ...spec, samples };
  const rows: Record<string, number | string>[] = [];
  const cells: string[][] = [];
  const notes: string[] = [];
  let torchPeak: number | undefined;
  const side = await pythonSide();
  if (side.info?.torch) {
    try {
      const r = await pythonRss(spec.workload, { ...spec.python, samples });
      torchPeak = r.peakKB;
      rows.push({ contender: 'pytorch', mode: '', peakKB: r.peakKB, startKB: r.startKB });
      cells.push([
        'pytorch',
        '',
        mb(r.peakKB),
        mb(r.startKB),
        mb(r.peakKB - r.startKB),
        '1.00×',
        '–',
        '–',
        '–',
      ]);
    } catch (e) {
      notes.push(`pytorch peak RSS not measured: ${shortError(e)}`);
    }
  }
  for (const backend of spec.backends) {
    for (const mode of ['eager', 'compiled'] as StepMode[]) {
      const name = `tessera-${backend}`;
      const unavailable = spec.compiledUnavailable[backend];
      if (mode === 'compiled' && unavailable !== undefined) {
        cells.push([name, mode, 'compiled: see the notes below', '', '', '', 'n/a', 'n/a', '']);
        continue;
      }
      let a: ChildAnswer;
      try {
        a = await runChild({
          ...data,
          workload: spec.workload,
          backend,
          mode,
          batchSize: spec.batchSize,
        });
      } catch (e) {
        cells.push([name, mode, `cannot run: ${shortError(e)}`, '', '', '', '', '', '']);
        continue;
      }
      if (mode === 'compiled' && !a.compiled) {
        const why = a.reason.length > 72 ? `${a.reason.slice(0, 71)}…` : a.reason;
        cells.push([name, mode, `compiled: ${why}`, '', '', '', 'n/a', 'n/a', '']);
        continue;
      }
      rows.push({
        contender: name,
        mode,
        peakKB: a.peakKB,
        startKB: a.startKB,
        steps: a.steps,
        gcs: a.gcs,
        externalPerStep: a.externalPerStep ?? 'n/a',
        heapPerStep: a.heapPerStep ?? 'n/a',
      });
      cells.push([
        name,
        mode,
        mb(a.peakKB),
        mb(a.startKB),
        mb(a.peakKB - a.startKB),
        torchPeak ? `${(a.peakKB / torchPeak).toFixed(2)}×` : '–',
        bytes(a.externalPerStep),
        bytes(a.heapPerStep),
        `${a.gcs} / ${a.steps}`,
      ]);
    }
  }
  const table = markdownTable(
    [
      'contender',
      'mode',
      'peak RSS MB',
      'RSS at start MB',
      'growth MB',
      'peak / pytorch peak',
      'external bytes/step',
      'JS heap bytes/step',
      'GCs / steps',
    ],
    cells,
  );
  notes.unshift(
    `Memory: each row is a fresh process (Node with tsx, or Python) that loads its library (RSS at start), builds the model, holds ${samples} samples, trains a 2-batch warm-up and then one epoch over them (${samples / spec.batchSize} steps of ${spec.batchSize}); peak RSS is the process's VmHWM (its own high-water mark; ru_maxrss would carry the parent's over exec), so it includes the runtime and library. Bytes/step are medians over the steps with no garbage collection in between (growth of process.memoryUsage() external, which includes arrayBuffers, and heapUsed): what a step allocated, not what it keeps.`,
  );
  return { table, rows, notes };
}
