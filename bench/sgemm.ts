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
import { type Contender, markdownTable, measure } from './harness.js';

export interface WorkloadResult {
  name: string;
  unit: string;
  table: string;
  rows: Record<string, number | string>[];
}

export async function sgemmWorkload(quick: boolean): Promise<WorkloadResult> {
  await tf.setBackend('cpu');
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
    const ta = tf.randomUniform([n, n]);
    const tb = tf.randomUniform([n, n]);
    contenders.push({
      name: 'tfjs-cpu',
      run: async () => {
        const c = tf.matMul(ta, tb);
        await c.data();
        c.dispose();
      },
    });
    const big = n >= 2048;
    const ms = await measure(contenders, {
      minSeconds: big ? 0 : 1,
      minRounds: big ? 1 : 3,
      maxRounds: big ? 1 : 15,
    });
    const row: Record<string, number | string> = { n };
    for (const m of ms) row[m.name] = flops / m.seconds / 1e9;
    rows.push(row);
    process.stdout.write(
      `  n=${n}: ${ms.map((m) => `${m.name} ${(flops / m.seconds / 1e9).toFixed(2)}`).join(', ')} GFLOP/s\n`,
    );
  }
  setBackend(previous);
  const names = [...backends.map((b) => `tessera-${b}`), 'tfjs-cpu'];
  const header = [
    'n',
    ...names.map((c) => `${c} GFLOP/s`),
    ...backends.map((b) => `tessera-${b} / tfjs-cpu`),
  ];
  const table = markdownTable(
    header,
    rows.map((r) => [
      String(r.n),
      ...names.map((c) => (r[c] as number).toFixed(2)),
      ...backends.map(
        (b) => `${((r[`tessera-${b}`] as number) / (r['tfjs-cpu'] as number)).toFixed(2)}×`,
      ),
    ]),
  );
  return { name: 'sgemm', unit: 'float32 C = A·B, GFLOP/s', table, rows };
}
