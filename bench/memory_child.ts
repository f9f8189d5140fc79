/**
 * One training workload in a fresh process, for the memory columns of `npm run bench`
 * (started by `memory.ts` as `node --import tsx bench/memory_child.ts '<json>'`; it never
 * loads TensorFlow.js, whose memory would count in this process's RSS).
 *
 * It records the RSS once the library is loaded, builds the model, trains a warm-up of two
 * batches (the compiled mode traces there), then one epoch over `samples` with a callback at
 * every batch end that samples `process.memoryUsage()`; a `gc` PerformanceObserver tells which
 * batches ran a collection. It prints one JSON line: the peak RSS (`resourceUsage().maxRSS`),
 * the start RSS, whether the steps ran compiled, and per-step allocation estimates:
 *
 * - `externalPerStep`: growth of `external` (ArrayBuffer stores, which `arrayBuffers` is part
 *   of, and memory native code reports) between consecutive batch ends with no collection in
 *   between: without a GC nothing is freed, so growth is what the step allocated. Median over
 *   those steps.
 * - `heapPerStep`: the same for `heapUsed` (JS objects: tensors, closures, small typed arrays).
 * - `gcs`: collections during the measured epoch (young and full), and `steps`.
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { ready, setBackend, setSeed, tensor } from '../src/index.js';
import {
  type ModelName,
  type StepMode,
  compileFor,
  compiledStepState,
  makeData,
  slice,
  tesseraModels,
} from './model_defs.js';
import type { DataSpec } from './model_defs.js';

/** What the parent passes (one JSON argument). */
interface Request extends DataSpec {
  workload: ModelName;
  backend: string;
  mode: StepMode;
  batchSize: number;
}

const req = JSON.parse(process.argv[2] ?? '{}') as Request;
await ready();
setBackend(req.backend);
setSeed(42);
const startKB = Math.round(process.memoryUsage().rss / 1024);

/**
 * This process image's peak resident set (VmHWM), in KiB. Not `resourceUsage().maxRSS`:
 * Linux carries ru_maxrss across execve, so this child would report its parent's peak (every
 * row of the table then showed the bench process's 390 MB).
 */
function peakRssKB(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // Not Linux: fall back to maxRSS.
  }
  return process.resourceUsage().maxRSS;
}

const data = makeData(req);
const s = slice(req, data, req.samples);
const x = tensor(s.x, s.xShape, req.vocab ? 'int32' : 'float32');
const y = tensor(s.y, s.yShape, req.sparseLabels ? 'int32' : 'float32');
const warm = slice(req, data, Math.min(req.samples, 2 * req.batchSize));
const wx = tensor(warm.x, warm.xShape, req.vocab ? 'int32' : 'float32');
const wy = tensor(warm.y, warm.yShape, req.sparseLabels ? 'int32' : 'float32');

const model = tesseraModels[req.workload]();
compileFor(model, req.workload, req.mode);
await model.fit(wx, wy, { epochs: 1, batchSize: req.batchSize, shuffle: true, verbose: 0 });
const state = compiledStepState(model, 'train');

const gcTimes: number[] = [];
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcTimes.push(e.startTime);
});
obs.observe({ entryTypes: ['gc'] });
const marks: { t: number; external: number; heap: number }[] = [];
const sample = () => {
  const m = process.memoryUsage();
  marks.push({ t: performance.now(), external: m.external, heap: m.heapUsed });
};
sample();
const t0 = performance.now();
await model.fit(x, y, {
  epochs: 1,
  batchSize: req.batchSize,
  shuffle: true,
  verbose: 0,
  callbacks: [{ onTrainBatchEnd: sample }],
});
const seconds = (performance.now() - t0) / 1000;
// GC entries arrive asynchronously: let the observer deliver them.
await new Promise((r) => setTimeout(r, 50));
obs.disconnect();

const external: number[] = [];
const heap: number[] = [];
for (let i = 1; i < marks.length; i++) {
  const a = marks[i - 1]!;
  const b = marks[i]!;
  if (gcTimes.some((t) => t >= a.t && t <= b.t)) continue;
  external.push(b.external - a.external);
  heap.push(b.heap - a.heap);
}
const median = (v: number[]) => {
  if (v.length === 0) return null;
  const o = [...v].sort((p, q) => p - q);
  const m = o.length >> 1;
  return o.length % 2 ? o[m]! : (o[m - 1]! + o[m]!) / 2;
};
process.stdout.write(
  `${JSON.stringify({
    startKB,
    peakKB: peakRssKB(),
    compiled: state.compiled,
    reason: state.reason,
    steps: marks.length - 1,
    stepsWithoutGc: external.length,
    gcs: gcTimes.length,
    externalPerStep: median(external),
    heapPerStep: median(heap),
    seconds,
  })}\n`,
);
