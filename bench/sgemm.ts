/**
 * The `sgemm` workload: float32 C = A·B for square n, in GFLOP/s, for each Tessera backend
 * and TensorFlow.js's cpu backend (its wasm backend when installed).
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
import { type Contender, type WorkloadResult, markdownTable, measure } from './harness.js';
import { tfjsBackends } from './tfjs.js';

export async function sgemmWorkload(quick: boolean): Promise<WorkloadResult> {
  const tfb = await tfjsBackends();
  const sizes = quick ? [256, 512] : [256, 512, 1024, 2048];
  const backends = backendInfo().registered;
  const previous = getBackend().name;
  const rows: Record<string, number | string>[] = [];
  for (const n of sizes) {
    setSeed(n);
    const flops = 2 * n * n * n;
    const contenders: Contender[] = backends.map((name) => {
      let a = randomUniform([n, n]);
      let b = randomUniform([n, n]);
      return {
        name: `tessera-${name}`,
        setup: () => {
          setBackend(name);
          a = randomUniform([n, n]);
          b = randomUniform([n, n]);
        },
        run: () => {
          setBackend(name);
          matmul(a, b).dataSync();
        },
      };
    });
    const owned: tf.Tensor[] = [];
    for (const tb of tfb.available) {
      let x: tf.Tensor | undefined;
      let y: tf.Tensor | undefined;
      contenders.push({
        name: `tfjs-${tb}`,
        setup: async () => {
          await tf.setBackend(tb);
          x = tf.randomUniform([n, n]);
          y = tf.randomUniform([n, n]);
          owned.push(x, y);
        },
        run: async () => {
          await tf.setBackend(tb);
          const c = tf.matMul(x!, y!);
          await c.data();
          c.dispose();
        },
      });
    }
    const big = n >= 2048;
    const ms = await measure(contenders, {
      minSeconds: big ? 0 : 1,
      minRounds: big ? 1 : 3,
      // The fastest contender sets the pace (tfjs-wasm takes ~0.1 s at n=1024, tfjs-cpu ~3 s):
      // cap the rounds where the slowest would otherwise run a dozen times.
      maxRounds: big ? 1 : n >= 1024 ? 5 : 15,
    });
    for (const t of owned) t.dispose();
    await tf.setBackend('cpu');
    const row: Record<string, number | string> = { n };
    for (const m of ms) row[m.name] = flops / m.seconds / 1e9;
    rows.push(row);
    process.stdout.write(
      `  n=${n}: ${ms.map((m) => `${m.name} ${(flops / m.seconds / 1e9).toFixed(2)}`).join(', ')} GFLOP/s\n`,
    );
  }
  setBackend(previous);
  const tessera = backends.map((b) => `tessera-${b}`);
  const tfjs = tfb.available.map((b) => `tfjs-${b}`);
  const names = [...tessera, ...tfjs];
  const ratios = tessera.flatMap((t) => tfjs.map((f) => [t, f] as const));
  const header = [
    'n',
    ...names.map((c) => `${c} GFLOP/s`),
    ...ratios.map(([t, f]) => `${t} / ${f}`),
  ];
  const table = markdownTable(
    header,
    rows.map((r) => [
      String(r.n),
      ...names.map((c) => (r[c] as number).toFixed(2)),
      ...ratios.map(([t, f]) => `${((r[t] as number) / (r[f] as number)).toFixed(2)}×`),
    ]),
  );
  const notes = tfb.wasmUnavailable ? [`tfjs-wasm unavailable: ${tfb.wasmUnavailable}`] : [];
  return { name: 'sgemm', unit: 'float32 C = A·B, GFLOP/s', table, rows, notes };
}
