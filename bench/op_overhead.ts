/**
 * The `op_overhead` workload: what one tiny op costs, in µs per op, on each Tessera backend
 * beside TensorFlow.js (cpu, and wasm when installed) and PyTorch (bench/torch_bench.py).
 *
 * - `add`: `add(a, b)` of two shape-[4] float32 tensors, outside any gradient recording (the
 *   inputs need no gradient), 20000 calls a run (5000 with `--quick`), the last one read back.
 *   tfjs disposes each result (its users must); Tessera's are garbage collected.
 * - `grad`: `valueAndGrad` of a chain of tiny ops on a shape-[4] tensor, alternately `add` and
 *   `mul` with a constant [4] tensor, then `sum`: forward and backward, divided by the chain's
 *   length (2000 ops, 500 with `--quick`). The gradient is read back.
 *
 * Nothing here is a throughput: lower is better, and a ratio above 1× means Tessera is faster.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type Tensor,
  add,
  backendInfo,
  getBackend,
  mul,
  setBackend,
  sum,
  tensor,
  valueAndGrad,
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

type Kind = 'add' | 'grad';

const A = [0.5, -1.25, 2, 0.75];
const B = [0.999, 1.001, 0.5, -0.25];

/** The chain `grad` differentiates: ops alternately x + c and x · c, then the sum. */
function tesseraChain(ops: number, c: Tensor): (x: Tensor) => Tensor {
  return (x) => {
    let y = x;
    for (let i = 0; i < ops; i++) y = i % 2 === 0 ? add(y, c) : mul(y, c);
    return sum(y);
  };
}

function tesseraContender(backend: string, kind: Kind, ops: number): Contender {
  let a: Tensor | undefined;
  let b: Tensor | undefined;
  let f: ((x: Tensor) => { value: Tensor; grad: Tensor }) | undefined;
  return {
    name: `tessera-${backend}`,
    setup: () => {
      setBackend(backend);
      a = tensor(A, [4], 'float32');
      b = tensor(B, [4], 'float32');
      f = valueAndGrad(tesseraChain(ops, b));
    },
    run: () => {
      setBackend(backend);
      if (kind === 'add') {
        let y = a!;
        for (let i = 0; i < ops; i++) y = add(a!, b!);
        y.dataSync();
      } else {
        f!(a!).grad.dataSync();
      }
    },
  };
}

function tfjsContender(backend: string, kind: Kind, ops: number): Contender {
  let a: tf.Tensor | undefined;
  let b: tf.Tensor | undefined;
  const chain = (x: tf.Tensor) => {
    let y = x;
    for (let i = 0; i < ops; i++) y = i % 2 === 0 ? tf.add(y, b!) : tf.mul(y, b!);
    return tf.sum(y);
  };
  return {
    name: `tfjs-${backend}`,
    setup: async () => {
      await tf.setBackend(backend);
      a = tf.tensor1d(A, 'float32');
      b = tf.tensor1d(B, 'float32');
    },
    run: async () => {
      await tf.setBackend(backend);
      if (kind === 'add') {
        for (let i = 1; i < ops; i++) tf.add(a!, b!).dispose();
        const y = tf.add(a!, b!);
        await y.data();
        y.dispose();
      } else {
        const g = tf.tidy(() => tf.valueAndGrad(chain)(a!).grad);
        await g.data();
        g.dispose();
      }
    },
    dispose: () => tf.dispose([a!, b!].filter(Boolean)),
  };
}

/** `op_overhead`: µs per tiny op, without and with gradient recording. */
export async function opOverheadWorkload(o: BenchOptions): Promise<WorkloadResult> {
  const tfb = await tfjsBackends();
  const backends = backendInfo().registered;
  const previous = getBackend().name;
  const notes = new Set<string>();
  if (tfb.wasmUnavailable) notes.add(`tfjs-wasm unavailable: ${tfb.wasmUnavailable}`);
  const kinds: { kind: Kind; ops: number; label: string }[] = [
    {
      kind: 'add',
      ops: o.quick ? 5000 : 20000,
      label: 'add of two [4] float32, no gradient recording',
    },
    {
      kind: 'grad',
      ops: o.quick ? 500 : 2000,
      label: 'add/mul chain in valueAndGrad, forward + backward per op',
    },
  ];
  const rows: Record<string, number | string>[] = [];
  const tableRows: { labels: string[]; values: Record<string, number | string> }[] = [];
  let names: string[] = [];
  for (const { kind, ops, label } of kinds) {
    const contenders: Contender[] = [
      ...backends.map((b) => tesseraContender(b, kind, ops)),
      ...tfb.available.map((b) => tfjsContender(b, kind, ops)),
    ];
    const py = await pythonContenders('op_overhead', ['pytorch'], { kind, ops });
    for (const note of py.notes) notes.add(note);
    contenders.push(...py.contenders);
    let ms: Measurement[];
    try {
      ms = await measure(
        contenders,
        o.quick
          ? { minSeconds: 0, minRounds: 3, maxRounds: 3 }
          : { minSeconds: 0.5, minRounds: 5, maxRounds: 15 },
      );
    } finally {
      setBackend(previous);
      await tf.setBackend('cpu');
    }
    for (const note of cannotRunNotes(ms, ` (${kind})`)) notes.add(note);
    names = ms.map((m) => m.name);
    // The JS contenders time a whole run of `ops` ops; the Python child answers per op.
    const us = (m: Measurement) => (m.seconds / (m.name === 'pytorch' ? 1 : ops)) * 1e6;
    const row: Record<string, number | string> = { op: kind, ops };
    for (const m of ms) row[m.name] = cellValue(m, us);
    rows.push(row);
    tableRows.push({ labels: [label, String(ops)], values: row });
    process.stdout.write(
      `  ${kind}: ${ms.map((m) => `${m.name} ${m.error ? 'cannot run' : us(m).toFixed(2)}`).join(', ')} µs/op\n`,
    );
  }
  const table = resultTable({
    labels: ['op', 'ops per run'],
    rows: tableRows,
    contenders: names,
    unit: 'µs/op',
    digits: 2,
    lowerIsBetter: true,
  });
  return {
    name: 'op_overhead',
    unit: 'µs per tiny op, lower is better; ratios are other ÷ Tessera',
    table,
    rows,
    notes: [...notes],
  };
}
