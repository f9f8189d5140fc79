/**
 * The `mlp_train` and `mlp_predict` workloads: the canonical MLP, Dense(512, relu) →
 * Dense(10, softmax) on 784 inputs, in samples per second, for each Tessera backend and each
 * TensorFlow.js backend that loads (`cpu`, and `wasm` when installed).
 *
 * - `mlp_train`: one epoch of `fit` over 8192 samples, batch 128, Adam, categorical
 *   crossentropy, `shuffle: true`, `verbose: 0` (1024 samples with `--quick`).
 * - `mlp_predict`: `predict` over 10000 samples, batch 1000, read back (2000 with `--quick`).
 *
 * Every contender gets the same seeded random inputs in [0, 1) and one-hot labels, and warms up
 * on the first 1024 samples (train) or first batch (predict) of them. Models stay
 * alive across rounds, so a training round continues from the previous one: the throughput of
 * an epoch does not depend on the weights.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Dense,
  Sequential,
  type Tensor,
  backendInfo,
  getBackend,
  oneHot,
  randomUniform,
  setBackend,
  setSeed,
  tensor,
} from '../src/index.js';
import { type Contender, type WorkloadResult, markdownTable, measure } from './harness.js';
import { type TfjsBackendName, tfjsBackends } from './tfjs.js';

const INPUTS = 784;
const HIDDEN = 512;
const CLASSES = 10;

interface MlpSpec {
  name: 'mlp_train' | 'mlp_predict';
  train: boolean;
  samples: number;
  batchSize: number;
  /** Samples of the warm-up run, whole batches: a full epoch would double the time. */
  warmupSamples: number;
  /** Options for `measure`: training epochs take seconds each, so few rounds. */
  rounds: { minSeconds: number; minRounds: number; maxRounds: number };
}

interface MlpData {
  x: Float32Array;
  y: Float32Array;
}

/** A contender that owns tfjs tensors to release once measured. */
type OwningContender = Contender & { dispose?: () => void };

export function mlpTrainWorkload(quick: boolean): Promise<WorkloadResult> {
  return mlpWorkload({
    name: 'mlp_train',
    train: true,
    samples: quick ? 1024 : 8192,
    batchSize: 128,
    warmupSamples: 1024,
    rounds: quick
      ? { minSeconds: 0, minRounds: 1, maxRounds: 1 }
      : { minSeconds: 0, minRounds: 2, maxRounds: 2 },
  });
}

export function mlpPredictWorkload(quick: boolean): Promise<WorkloadResult> {
  return mlpWorkload({
    name: 'mlp_predict',
    train: false,
    samples: quick ? 2000 : 10000,
    batchSize: 1000,
    warmupSamples: 1000,
    rounds: quick
      ? { minSeconds: 0, minRounds: 1, maxRounds: 2 }
      : { minSeconds: 5, minRounds: 2, maxRounds: 3 },
  });
}

/** Seeded inputs in [0, 1) and one-hot labels of uniformly drawn classes. */
function makeData(samples: number): MlpData {
  setSeed(1234);
  const x = new Float32Array(randomUniform([samples, INPUTS]).dataSync());
  const labels = randomUniform([samples], 0, CLASSES, { dtype: 'int32' });
  const y = new Float32Array(oneHot(labels, CLASSES).dataSync());
  return { x, y };
}

function tesseraContender(backend: string, spec: MlpSpec, data: MlpData): OwningContender {
  let state: { model: Sequential; x: Tensor; y: Tensor; wx: Tensor; wy: Tensor } | undefined;
  const go = async (x: Tensor, y: Tensor) => {
    const { model } = state!;
    setBackend(backend);
    if (spec.train) {
      await model.fit(x, y, { epochs: 1, batchSize: spec.batchSize, shuffle: true, verbose: 0 });
    } else {
      (model.predict(x, { batchSize: spec.batchSize }) as Tensor).dataSync();
    }
  };
  return {
    name: `tessera-${backend}`,
    setup: () => {
      setBackend(backend);
      setSeed(42);
      const model = new Sequential({
        layers: [
          new Dense({ units: HIDDEN, activation: 'relu', inputShape: [INPUTS] }),
          new Dense({ units: CLASSES, activation: 'softmax' }),
        ],
      });
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      const w = spec.warmupSamples;
      state = {
        model,
        x: tensor(data.x, [spec.samples, INPUTS]),
        y: tensor(data.y, [spec.samples, CLASSES]),
        wx: tensor(data.x.subarray(0, w * INPUTS), [w, INPUTS]),
        wy: tensor(data.y.subarray(0, w * CLASSES), [w, CLASSES]),
      };
    },
    warmup: () => go(state!.wx, state!.wy),
    run: () => go(state!.x, state!.y),
  };
}

function tfjsContender(backend: TfjsBackendName, spec: MlpSpec, data: MlpData): OwningContender {
  let state:
    | { model: tf.Sequential; x: tf.Tensor2D; y: tf.Tensor2D; wx: tf.Tensor2D; wy: tf.Tensor2D }
    | undefined;
  const go = async (x: tf.Tensor, y: tf.Tensor) => {
    const { model } = state!;
    await tf.setBackend(backend);
    if (spec.train) {
      await model.fit(x, y, { epochs: 1, batchSize: spec.batchSize, shuffle: true, verbose: 0 });
    } else {
      const p = model.predict(x, { batchSize: spec.batchSize }) as tf.Tensor;
      await p.data();
      p.dispose();
    }
  };
  return {
    name: `tfjs-${backend}`,
    setup: async () => {
      await tf.setBackend(backend);
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ units: HIDDEN, activation: 'relu', inputShape: [INPUTS] }),
          tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
        ],
      });
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      const w = spec.warmupSamples;
      state = {
        model,
        x: tf.tensor2d(data.x, [spec.samples, INPUTS]),
        y: tf.tensor2d(data.y, [spec.samples, CLASSES]),
        wx: tf.tensor2d(data.x.subarray(0, w * INPUTS), [w, INPUTS]),
        wy: tf.tensor2d(data.y.subarray(0, w * CLASSES), [w, CLASSES]),
      };
    },
    warmup: () => go(state!.wx, state!.wy),
    run: () => go(state!.x, state!.y),
    dispose: () => {
      if (!state) return;
      // Disposes the weights and the optimizer that `compile` made from its name.
      state.model.dispose();
      tf.dispose([state.x, state.y, state.wx, state.wy]);
      state = undefined;
    },
  };
}

async function mlpWorkload(spec: MlpSpec): Promise<WorkloadResult> {
  const tfb = await tfjsBackends();
  const notes: string[] = [];
  if (tfb.wasmUnavailable) notes.push(`tfjs-wasm unavailable: ${tfb.wasmUnavailable}`);
  const backends = backendInfo().registered;
  const previous = getBackend().name;
  const data = makeData(spec.samples);
  const tensorsBefore = tf.memory().numTensors;
  const contenders: OwningContender[] = [
    ...backends.map((b) => tesseraContender(b, spec, data)),
    ...tfb.available.map((b) => tfjsContender(b, spec, data)),
  ];
  let ms: Awaited<ReturnType<typeof measure>>;
  try {
    ms = await measure(contenders, spec.rounds);
  } finally {
    for (const c of contenders) c.dispose?.();
    setBackend(previous);
    await tf.setBackend('cpu');
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked > 0) {
    notes.push(`tfjs: ${leaked} tensors left undisposed`);
    console.log(`  ${notes[notes.length - 1]}`);
  }

  const row: Record<string, number | string> = {
    samples: spec.samples,
    batchSize: spec.batchSize,
  };
  for (const m of ms) {
    row[m.name] = spec.samples / m.seconds;
    row[`${m.name} runs`] = m.runs;
  }
  process.stdout.write(
    `  ${ms.map((m) => `${m.name} ${(spec.samples / m.seconds).toFixed(0)} (${m.seconds.toFixed(2)} s, ${m.runs} runs)`).join(', ')} samples/s\n`,
  );

  const names = ms.map((m) => m.name);
  const tessera = backends.map((b) => `tessera-${b}`);
  const tfjs = tfb.available.map((b) => `tfjs-${b}`);
  const ratios = tessera.flatMap((t) => tfjs.map((f) => [t, f] as const));
  const header = [
    'samples',
    'batch',
    ...names.map((n) => `${n} samples/s`),
    ...ratios.map(([t, f]) => `${t} / ${f}`),
  ];
  const table = markdownTable(header, [
    [
      String(spec.samples),
      String(spec.batchSize),
      ...names.map((n) => (row[n] as number).toFixed(0)),
      ...ratios.map(([t, f]) => `${((row[t] as number) / (row[f] as number)).toFixed(2)}×`),
    ],
  ]);
  const unit = spec.train
    ? 'one epoch of fit, Adam, categorical crossentropy, samples/s'
    : 'predict + readback, samples/s';
  return { name: spec.name, unit, table, rows: [row], notes };
}
