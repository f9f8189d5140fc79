/**
 * The `sgemm` workload: float32 C = A·B for square n = 256, 512, 1024, 2048 (256 and 512 with
 * `--quick`), in GFLOP/s, for each Tessera backend, TensorFlow.js's cpu backend (its wasm
 * backend when installed), PyTorch's `torch.mm` and numpy's `a @ b` (bench/torch_bench.py, 2
 * threads). The JS contenders run one product a round and read it back; the Python ones answer
 * the median call of a burst of at least 0.1 s, timed in Python.
 */
import * as tf from '@tensorflow/tfjs';
import {
  backendInfo,
  getBackend,
  matmul,
  randomUniform,
  setBackend,
  setSeed,
} from '../src/index.js';
import {
  type BenchOptions,
  type Contender,
  type Measurement,
  type WorkloadResult,
  cannotRunNotes,
  cellValue,
  measure,
  resultTable,
} from './harness.js';
import { pythonContenders } from './python.js';
import { tfjsBackends } from './tfjs.js';

/** `sgemm`: GFLOP/s of square float32 products on every contender. */
export async function sgemmWorkload(o: BenchOptions): Promise<WorkloadResult> {
  const tfb = await tfjsBackends();
  const sizes = o.quick ? [256, 512] : [256, 512, 1024, 2048];
  const backends = backendInfo().registered;
  const previous = getBackend().name;
  const rows: Record<string, number | string>[] = [];
  const tableRows: { labels: string[]; values: Record<string, number | string> }[] = [];
  const notes = new Set<string>();
  if (tfb.wasmUnavailable) notes.add(`tfjs-wasm unavailable: ${tfb.wasmUnavailable}`);
  let names: string[] = [];
  for (const n of sizes) {
    setSeed(n);
    const flops = 2 * n * n * n;
    const contenders: Contender[] = backends.map((name) => {
      let a: ReturnType<typeof randomUniform> | undefined;
      let b: ReturnType<typeof randomUniform> | undefined;
      return {
        name: `tessera-${name}`,
        setup: () => {
          setBackend(name);
          a = randomUniform([n, n]);
          b = randomUniform([n, n]);
        },
        run: () => {
          setBackend(name);
          matmul(a!, b!).dataSync();
        },
      };
    });
    for (const tb of tfb.available) {
      let x: tf.Tensor | undefined;
      let y: tf.Tensor | undefined;
      contenders.push({
        name: `tfjs-${tb}`,
        setup: async () => {
          await tf.setBackend(tb);
          x = tf.randomUniform([n, n]);
          y = tf.randomUniform([n, n]);
        },
        run: async () => {
          await tf.setBackend(tb);
          const c = tf.matMul(x!, y!);
          await c.data();
          c.dispose();
        },
        dispose: () => tf.dispose([x!, y!].filter(Boolean)),
      });
    }
    const py = await pythonContenders('sgemm', ['pytorch', 'numpy'], { n, minSeconds: 0.1 });
    for (const note of py.notes) notes.add(note);
    contenders.push(...py.contenders);
    const big = n >= 2048;
    let ms: Measurement[];
    try {
      ms = await measure(contenders, {
        minSeconds: big ? 0 : 1,
        minRounds: big ? 1 : 3,
        // The fastest contender sets the pace (tfjs-wasm takes ~0.1 s at n=1024, tfjs-cpu ~3 s):
        // cap the rounds where the slowest would otherwise run a dozen times.
        maxRounds: big ? 1 : n >= 1024 ? 5 : 15,
      });
    } finally {
      setBackend(previous);
      await tf.setBackend('cpu');
    }
    for (const note of cannotRunNotes(ms)) notes.add(note);
    names = ms.map((m) => m.name);
    const row: Record<string, number | string> = { n };
    for (const m of ms) row[m.name] = cellValue(m, () => flops / m.seconds / 1e9);
    rows.push(row);
    tableRows.push({ labels: [String(n)], values: row });
    process.stdout.write(
      `  n=${n}: ${ms.map((m) => `${m.name} ${m.error ? 'cannot run' : (flops / m.seconds / 1e9).toFixed(2)}`).join(', ')} GFLOP/s\n`,
    );
  }
  const table = resultTable({
    labels: ['n'],
    rows: tableRows,
    contenders: names,
    unit: 'GFLOP/s',
    digits: 2,
  });
  return { name: 'sgemm', unit: 'float32 C = A·B, GFLOP/s', table, rows, notes: [...notes] };
}
