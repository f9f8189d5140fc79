/**
 * The model workloads, in samples per second, for each Tessera backend, each TensorFlow.js
 * backend that loads (`cpu`, and `wasm` when installed) and PyTorch (bench/torch_bench.py):
 *
 * - `mlp_train`: Dense(512, relu) → Dense(10, softmax) on 784 inputs, one epoch of `fit` over
 *   8192 samples, batch 128, Adam, categorical crossentropy (1024 samples with `--quick`).
 * - `cnn_train`: Conv2D(32, 3, relu) → MaxPool(2) → Conv2D(64, 3, relu) → MaxPool(2) → Flatten →
 *   Dense(10, softmax) on 28×28×1, one epoch over 1024 samples, batch 64, Adam, categorical
 *   crossentropy (128 samples with `--quick`).
 * - `convnet_train`: the MNIST convnet of Deep Learning with Python (ch. 8): Conv2D(32, 3, relu) →
 *   MaxPool(2) → Conv2D(64, 3, relu) → MaxPool(2) → Conv2D(128, 3, relu) → Flatten → Dense(10,
 *   softmax) on 28×28×1, one epoch over 1024 samples, batch 64, RMSprop, sparse categorical
 *   crossentropy on integer labels (128 samples with `--quick`).
 * - `lstm_train`: Embedding(10000, 32) → LSTM(32) → Dense(1, sigmoid) on length-100 int
 *   sequences, one epoch over 1024 samples, batch 64, RMSprop, binary crossentropy (128 with
 *   `--quick`).
 * - `mlp_predict`: the MLP's `predict` over 10000 samples, batch 1000, read back (2000 with
 *   `--quick`).
 *
 * Each Tessera backend runs twice: `eager` (`compile({ jitCompile: false })`, op by op) and
 * `compiled` (`jitCompile: true`, the step engine), two rows of the table. Where `compile` does
 * not know `jitCompile` or the model reports no compiled step after its warm-up
 * (`compiledStepInfo`, see model_defs.ts), the compiled row says why instead of a figure.
 * Training workloads then get a memory table (memory.ts): peak RSS per contender, each in a
 * fresh process, and the bytes a step allocates.
 *
 * Every epoch is `fit` with `shuffle: true` and `verbose: 0`. Every contender gets the same
 * seeded random inputs (uniform in [0, 1), or token ids below 10000) and labels, builds its
 * model after switching to its backend (so the weights live there), and warms up on a slice of
 * the data. Models stay alive across rounds, so a training round continues from the previous
 * one: the throughput of an epoch does not depend on the weights.
 *
 * Slow contenders: a contender whose warm-up shows that a whole epoch would take longer than
 * the round budget (30 s; 5 s with `--quick`) is timed on the first whole batches that fit it
 * (cell marked †). One that would take longer than 60 s a batch (10 s with `--quick`) by a
 * probe on 4 samples is not timed in rounds at all and reports the probe's pace (cell marked ‡):
 * tfjs-cpu's convolution gradients take tens of seconds a batch and its Embedding gradient
 * minutes. `--full-epochs` times whole epochs on every contender.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type Model,
  type Tensor,
  backendInfo,
  getBackend,
  setBackend,
  setSeed,
  tensor,
} from '../src/index.js';
import {
  type BenchOptions,
  type Contender,
  type WorkloadResult,
  cannotRunNotes,
  cellValue,
  formatValue,
  measure,
  resultTable,
} from './harness.js';
import { memoryTable } from './memory.js';
import {
  type DataSpec,
  MLP_INPUTS,
  type ModelData,
  type ModelName,
  SEQ_LEN,
  type StepMode,
  TRANSFORMER_LEN,
  VOCAB,
  compileFor,
  compiledStepState,
  makeData,
  slice,
  tesseraModels,
  trainingSetup,
} from './model_defs.js';
import { pythonContenders } from './python.js';
import { type TfjsBackendName, tfjsBackends } from './tfjs.js';

interface ModelSpec extends DataSpec {
  name: ModelName;
  train: boolean;
  batchSize: number;
  /** Samples of the warm-up run, whole batches: a full epoch would double the time. */
  warmupSamples: number;
  /** Seconds one round of one contender may take before it is timed on fewer batches. */
  roundBudget: number;
  /** Samples of the first, tiny warm-up run that tells a contender too slow to time. */
  probeSamples: number;
  /**
   * Seconds one batch may take by the probe's pace; a slower contender is not timed in rounds
   * and reports the probe's throughput, marked as an estimate.
   */
  slowBatch: number;
  /** Why a slow contender is slow, where known (a note under the table). */
  slowHint?: Record<string, string>;
  /** Options for `measure`: training epochs take seconds each, so few rounds. */
  rounds: { minSeconds: number; minRounds: number; maxRounds: number };
  /** The TensorFlow.js model, or why TensorFlow.js cannot run the workload. */
  tfjs: (() => tf.Sequential) | { cannot: string };
  /** The sizes torch_bench.py is given. */
  python: Record<string, unknown>;
}

function tfjsMlp(): tf.Sequential {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: 512, activation: 'relu', inputShape: [MLP_INPUTS] }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  return m;
}

function tfjsCnn(): tf.Sequential {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  return m;
}

function tfjsConvnet(): tf.Sequential {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 128, kernelSize: 3, activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile(trainingSetup.convnet_train);
  return m;
}

function tfjsLstm(): tf.Sequential {
  const m = tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: VOCAB, outputDim: 32, inputLength: SEQ_LEN }),
      tf.layers.lstm({ units: 32 }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  m.compile({ optimizer: 'rmsprop', loss: 'binaryCrossentropy' });
  return m;
}

/**
 * How long a contender may take: a round covers a whole epoch unless that takes longer than
 * `roundBudget` seconds, and one batch may take `slowBatch` seconds before the contender is
 * estimated from its probe instead of timed (`--full-epochs` lifts both).
 */
function limits(o: BenchOptions): Pick<ModelSpec, 'roundBudget' | 'slowBatch' | 'probeSamples'> {
  const inf = Number.POSITIVE_INFINITY;
  if (o.fullEpochs) return { roundBudget: inf, slowBatch: inf, probeSamples: 4 };
  return o.quick
    ? { roundBudget: 5, slowBatch: 10, probeSamples: 4 }
    : { roundBudget: 30, slowBatch: 60, probeSamples: 4 };
}

/** `mlp_train`: the canonical MLP, one epoch of fit. */
export function mlpTrainWorkload(o: BenchOptions): Promise<WorkloadResult> {
  const samples = o.quick ? 1024 : 8192;
  return modelWorkload(
    {
      name: 'mlp_train',
      train: true,
      samples,
      batchSize: 128,
      inputShape: [MLP_INPUTS],
      classes: 10,
      warmupSamples: 1024,
      ...limits(o),
      rounds: o.quick
        ? { minSeconds: 0, minRounds: 1, maxRounds: 1 }
        : { minSeconds: 0, minRounds: 3, maxRounds: 3 },
      tfjs: tfjsMlp,
      python: { samples, batchSize: 128 },
    },
    o,
  );
}

/** `mlp_predict`: the canonical MLP's predict over 10000 samples, read back. */
export function mlpPredictWorkload(o: BenchOptions): Promise<WorkloadResult> {
  const samples = o.quick ? 2000 : 10000;
  return modelWorkload(
    {
      name: 'mlp_predict',
      train: false,
      samples,
      batchSize: 1000,
      inputShape: [MLP_INPUTS],
      classes: 10,
      warmupSamples: 1000,
      ...limits(o),
      rounds: o.quick
        ? { minSeconds: 0, minRounds: 1, maxRounds: 2 }
        : { minSeconds: 5, minRounds: 3, maxRounds: 5 },
      tfjs: tfjsMlp,
      python: { samples, batchSize: 1000 },
    },
    o,
  );
}

/** `cnn_train`: the canonical small convnet on 28×28×1, one epoch of fit. */
export function cnnTrainWorkload(o: BenchOptions): Promise<WorkloadResult> {
  const samples = o.quick ? 128 : 1024;
  return modelWorkload(
    {
      name: 'cnn_train',
      train: true,
      samples,
      batchSize: 64,
      inputShape: [28, 28, 1],
      classes: 10,
      warmupSamples: 64,
      ...limits(o),
      rounds: o.quick
        ? { minSeconds: 0, minRounds: 1, maxRounds: 1 }
        : { minSeconds: 0, minRounds: 3, maxRounds: 3 },
      tfjs: tfjsCnn,
      python: { samples, batchSize: 64 },
    },
    o,
  );
}

/** `convnet_train`: the book's MNIST convnet (Conv2D 32/64/128, RMSprop, sparse labels). */
export function convnetTrainWorkload(o: BenchOptions): Promise<WorkloadResult> {
  const samples = o.quick ? 128 : 1024;
  return modelWorkload(
    {
      name: 'convnet_train',
      train: true,
      samples,
      batchSize: 64,
      inputShape: [28, 28, 1],
      classes: 10,
      sparseLabels: true,
      warmupSamples: 64,
      ...limits(o),
      rounds: o.quick
        ? { minSeconds: 0, minRounds: 1, maxRounds: 1 }
        : { minSeconds: 0, minRounds: 3, maxRounds: 3 },
      tfjs: tfjsConvnet,
      python: { samples, batchSize: 64 },
    },
    o,
  );
}

/** `lstm_train`: Embedding → LSTM → Dense on length-100 sequences, one epoch of fit. */
export function lstmTrainWorkload(o: BenchOptions): Promise<WorkloadResult> {
  const samples = o.quick ? 128 : 1024;
  return modelWorkload(
    {
      name: 'lstm_train',
      train: true,
      samples,
      batchSize: 64,
      inputShape: [SEQ_LEN],
      vocab: VOCAB,
      classes: 1,
      warmupSamples: 64,
      ...limits(o),
      rounds: o.quick
        ? { minSeconds: 0, minRounds: 1, maxRounds: 1 }
        : { minSeconds: 0, minRounds: 3, maxRounds: 3 },
      tfjs: tfjsLstm,
      python: { samples, batchSize: 64, seqLen: SEQ_LEN, vocab: VOCAB },
      slowHint: {
        'tfjs-cpu':
          "tfjs-cpu's Embedding gradient (its UnsortedSegmentSum kernel) runs a masked multiply and sum over the whole [batch·100, 32] gradient once per vocabulary row, 10000 times a batch",
      },
    },
    o,
  );
}

/**
 * `transformer_train`: a one-block transformer encoder classifier (Embedding →
 * MultiHeadAttention + residual → LayerNormalization → feed-forward + residual →
 * LayerNormalization → pooling → Dense) on length-200 sequences, batch 32, one epoch of fit.
 */
export function transformerTrainWorkload(o: BenchOptions): Promise<WorkloadResult> {
  const samples = o.quick ? 64 : 512;
  return modelWorkload(
    {
      name: 'transformer_train',
      train: true,
      samples,
      batchSize: 32,
      inputShape: [TRANSFORMER_LEN],
      vocab: VOCAB,
      classes: 1,
      warmupSamples: 32,
      ...limits(o),
      rounds: o.quick
        ? { minSeconds: 0, minRounds: 1, maxRounds: 1 }
        : { minSeconds: 0, minRounds: 3, maxRounds: 3 },
      tfjs: { cannot: 'TensorFlow.js has no MultiHeadAttention layer' },
      python: { samples, batchSize: 32, seqLen: TRANSFORMER_LEN, vocab: VOCAB },
    },
    o,
  );
}

/**
 * A JS contender of a model workload. After the warm-up it knows how many samples one round
 * covers: all of them, or the first whole batches that fit the round budget.
 */
interface ModelContender extends Contender {
  /** Samples one timed round covers (known after the warm-up). */
  timedSamples: () => number;
  /** Seconds the warm-up took per sample, for the note on a contender timed on fewer. */
  warmupPerSample: () => number;
  /** The probe run, when it showed the contender too slow to time in rounds. */
  estimate: () => { samples: number; seconds: number } | undefined;
}

/**
 * Builds a contender from `go(x, y)` (one epoch, or one predict) over tensors that `make(n)`
 * creates for the first n samples; `free` releases what `make` made. The warm-up first runs a
 * probe of `spec.probeSamples` samples (twice when the cold one looks slow): a contender slower
 * than `spec.slowBatch` seconds a batch stops there and reports the warm probe's pace; the
 * others warm up on `spec.warmupSamples` and are timed on whole epochs, or on the first batches
 * that fit `spec.roundBudget`.
 */
function modelContender<T>(
  name: string,
  spec: ModelSpec,
  prepare: () => Promise<void> | void,
  make: (n: number) => T,
  go: (t: T) => Promise<void>,
  free: (t: T) => void,
  dispose: () => void,
  /** Runs after the warm-up; throws when the contender is not what it claims (not compiled). */
  check?: () => void,
): ModelContender {
  const made: T[] = [];
  const own = (n: number) => {
    const t = make(n);
    made.push(t);
    return t;
  };
  let full: T | undefined;
  let part: T | undefined;
  let samples = spec.samples;
  let perSample = 0;
  let estimate: { samples: number; seconds: number } | undefined;
  const timedGo = async (n: number) => {
    const t = own(Math.min(n, spec.samples));
    const t0 = performance.now();
    await go(t);
    return (performance.now() - t0) / 1000;
  };
  return {
    name,
    setup: async () => {
      await prepare();
      full = own(spec.samples);
    },
    warmup: async () => {
      const probe = Math.min(spec.probeSamples, spec.samples);
      const slow = (seconds: number) => (seconds / probe) * spec.batchSize > spec.slowBatch;
      // The first call pays for building the model and compiling code: when it looks slow,
      // probe again, warm.
      let probeSeconds = await timedGo(probe);
      if (slow(probeSeconds)) probeSeconds = await timedGo(probe);
      if (slow(probeSeconds)) {
        estimate = { samples: probe, seconds: probeSeconds };
        perSample = probeSeconds / probe;
        check?.();
        return;
      }
      // At least two whole batches: the step engine traces a batch shape on its first two
      // calls and replays a compiled graph from the third.
      const warm = Math.min(Math.max(spec.warmupSamples, 2 * spec.batchSize), spec.samples);
      perSample = (await timedGo(warm)) / warm;
      if (perSample * spec.samples > spec.roundBudget) {
        const batches = Math.max(1, Math.floor(spec.roundBudget / perSample / spec.batchSize));
        samples = Math.min(spec.samples, batches * spec.batchSize);
        if (samples < spec.samples) part = own(samples);
      }
      check?.();
    },
    skipRounds: () => estimate !== undefined,
    run: () => go(part ?? full!),
    timedSamples: () => samples,
    warmupPerSample: () => perSample,
    estimate: () => estimate,
    dispose: () => {
      for (const t of made.splice(0)) free(t);
      full = part = undefined;
      dispose();
    },
  };
}

/**
 * What a compiled contender's warm-up throws when the model ran eager: its message becomes the
 * compiled row's cell (`compiled: engine not available`, or the engine's fallback reason).
 */
const NOT_COMPILED = 'compiled: ';

/** The contender name of a Tessera backend in a step mode (`tessera-native compiled`). */
const tesseraName = (backend: string, mode: StepMode) => `tessera-${backend} ${mode}`;

function tesseraContender(
  backend: string,
  mode: StepMode,
  spec: ModelSpec,
  data: ModelData,
  graphs: Map<string, Record<string, number>>,
): ModelContender {
  let model: Model | undefined;
  const dtype = spec.vocab ? 'int32' : 'float32';
  return modelContender<{ x: Tensor; y: Tensor }>(
    tesseraName(backend, mode),
    spec,
    () => {
      setBackend(backend);
      setSeed(42);
      model = tesseraModels[spec.name]();
      compileFor(model, spec.name, mode);
    },
    (n) => {
      const s = slice(spec, data, n);
      const ydtype = spec.sparseLabels ? 'int32' : 'float32';
      return { x: tensor(s.x, s.xShape, dtype), y: tensor(s.y, s.yShape, ydtype) };
    },
    async ({ x, y }) => {
      setBackend(backend);
      if (spec.train) {
        await model!.fit(x, y, { epochs: 1, batchSize: spec.batchSize, shuffle: true, verbose: 0 });
      } else {
        (model!.predict(x, { batchSize: spec.batchSize }) as Tensor).dataSync();
      }
    },
    () => undefined,
    () => {
      model = undefined;
    },
    mode === 'compiled'
      ? () => {
          const st = compiledStepState(model!, spec.train ? 'train' : 'predict');
          if (!st.compiled) throw new Error(`${NOT_COMPILED}${st.reason}`);
          if (st.stats) graphs.set(backend, st.stats);
        }
      : undefined,
  );
}

function tfjsContender(backend: TfjsBackendName, spec: ModelSpec, data: ModelData): ModelContender {
  let model: tf.Sequential | undefined;
  const dtype = spec.vocab ? 'int32' : 'float32';
  return modelContender<{ x: tf.Tensor; y: tf.Tensor }>(
    `tfjs-${backend}`,
    spec,
    async () => {
      await tf.setBackend(backend);
      model = (spec.tfjs as () => tf.Sequential)();
    },
    (n) => {
      // tfjs's sparse categorical crossentropy floors its labels: float32, shape [n, 1].
      const s = slice(spec, data, n, true);
      return { x: tf.tensor(s.x, s.xShape, dtype), y: tf.tensor(s.y, s.yShape, 'float32') };
    },
    async ({ x, y }) => {
      await tf.setBackend(backend);
      if (spec.train) {
        await model!.fit(x, y, { epochs: 1, batchSize: spec.batchSize, shuffle: true, verbose: 0 });
      } else {
        const p = model!.predict(x, { batchSize: spec.batchSize }) as tf.Tensor;
        await p.data();
        p.dispose();
      }
    },
    ({ x, y }) => tf.dispose([x, y]),
    () => {
      // Disposes the weights and the optimizer that `compile` made from its name.
      model?.dispose();
      model = undefined;
    },
  );
}

async function modelWorkload(spec: ModelSpec, o: BenchOptions): Promise<WorkloadResult> {
  const tfb = await tfjsBackends();
  const notes: string[] = [];
  if (tfb.wasmUnavailable) notes.push(`tfjs-wasm unavailable: ${tfb.wasmUnavailable}`);
  const backends = backendInfo().registered;
  const previous = getBackend().name;
  const data = makeData(spec);
  // The compiled graphs' stats per backend, as the engine reported them after the warm-up.
  const graphs = new Map<string, Record<string, number>>();
  const tensorsBefore = tf.memory().numTensors;
  // TESSERA_BENCH_CONTENDERS=native\ compiled,pytorch keeps the contenders whose names contain
  // one of the comma-separated parts (a quick look during development; the committed results
  // come from a run with every contender).
  const want = process.env.TESSERA_BENCH_CONTENDERS?.split(',').filter((w) => w.trim());
  const keep = <T extends { name: string }>(c: T[]) =>
    want ? c.filter((x) => want.some((w) => x.name.includes(w.trim()))) : c;
  const js: ModelContender[] = keep([
    ...backends.flatMap((b) =>
      (['eager', 'compiled'] as const).map((mode) => tesseraContender(b, mode, spec, data, graphs)),
    ),
    ...(typeof spec.tfjs === 'function'
      ? tfb.available.map((b) => tfjsContender(b, spec, data))
      : []),
  ]);
  if (typeof spec.tfjs !== 'function') notes.push(`tfjs: ${spec.tfjs.cannot}`);
  const py = await pythonContenders(spec.name, ['pytorch'], spec.python);
  py.contenders = keep(py.contenders);
  notes.push(...py.notes);
  let ms: Awaited<ReturnType<typeof measure>>;
  try {
    // Python last: each round runs the JS contenders, then PyTorch.
    ms = await measure([...js, ...py.contenders], spec.rounds);
  } finally {
    setBackend(previous);
    await tf.setBackend('cpu');
  }
  // A compiled contender that ran eager is not a failure: its row says why, once below.
  const notCompiled = new Map<string, string>();
  for (const m of ms) {
    if (!m.error?.startsWith(NOT_COMPILED)) continue;
    notCompiled.set(
      m.name.replace(/^tessera-(\S+) compiled$/, '$1'),
      m.error.slice(NOT_COMPILED.length),
    );
  }
  notes.push(...cannotRunNotes(ms.filter((m) => !m.error?.startsWith(NOT_COMPILED))));
  for (const [b, st] of graphs) {
    const parts = Object.entries(st).map(
      ([k, v]) => `${k} ${k.endsWith('Bytes') ? `${(v / 2 ** 20).toFixed(2)} MiB` : v}`,
    );
    notes.push(
      `tessera-${b} compiled ${spec.train ? 'train' : 'predict'} step graph: ${parts.join(', ')}`,
    );
  }
  if (notCompiled.size > 0) {
    const reasons = [...new Set(notCompiled.values())].join('; ');
    notes.push(
      `compiled rows of ${[...notCompiled.keys()].join(', ')}: ${reasons} (after a warm-up under compile({ jitCompile: 'auto' }), compiledStepInfo reported no compiled train/predict step)`,
    );
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked > 0) {
    const failed = ms.some((m) => m.name.startsWith('tfjs-') && m.error !== undefined);
    notes.push(`tfjs: ${leaked} tensors left undisposed${failed ? ' (by a failed fit)' : ''}`);
  }

  const row: Record<string, number | string> = {
    samples: spec.samples,
    batchSize: spec.batchSize,
  };
  const values: Record<string, number | string> = {};
  const marks: Record<string, string> = {};
  const said: string[] = [];
  for (const m of ms) {
    const c = js.find((j) => j.name === m.name);
    const est = c?.estimate();
    const n = c?.timedSamples() ?? spec.samples;
    if (m.skipped && c && est) {
      values[m.name] = est.samples / est.seconds;
      row[`${m.name} estimated from samples`] = est.samples;
      marks[m.name] = ' ‡';
      const batch = ((est.seconds / est.samples) * spec.batchSize).toFixed(0);
      const hint = spec.slowHint?.[m.name];
      notes.push(
        `‡ ${m.name}: too slow to time (one batch of ${spec.batchSize} would take about ${batch} s); the figure is from a warm probe run on ${est.samples} samples (${est.seconds.toFixed(1)} s), not timed rounds${hint ? `. ${hint}` : ''}`,
      );
    } else if (m.error?.startsWith(NOT_COMPILED)) {
      // The full reason is in the notes; the cell keeps its start.
      values[m.name] = m.error.length > 72 ? `${m.error.slice(0, 71)}…` : m.error;
    } else {
      values[m.name] = cellValue(m, () => n / m.seconds);
    }
    row[m.name] = values[m.name]!;
    row[`${m.name} runs`] = m.runs;
    if (m.error === undefined && !m.skipped && c && n < spec.samples) {
      row[`${m.name} samples timed`] = n;
      marks[m.name] = ' †';
      const epoch = (c.warmupPerSample() * spec.samples).toFixed(0);
      notes.push(
        `† ${m.name}: timed on the first ${n} of ${spec.samples} samples each round; a whole epoch would take about ${epoch} s by its warm-up (\`--full-epochs\` times whole epochs)`,
      );
    }
    const v = values[m.name];
    said.push(
      typeof v === 'number'
        ? `${m.name} ${formatValue(v)}${marks[m.name] ?? ''} (${m.skipped ? 'probe only' : `${m.runs} runs`})`
        : `${m.name} cannot run`,
    );
  }
  process.stdout.write(`  ${said.join(', ')} samples/s\n`);
  // One table row per step mode: the Tessera columns show that mode, the others repeat.
  const columns = [
    ...backends.map((b) => `tessera-${b}`),
    ...ms.map((m) => m.name).filter((n) => !n.startsWith('tessera-')),
  ];
  const modeRows = (['eager', 'compiled'] as const).map((mode) => {
    const pick = (rec: Record<string, string>) =>
      Object.fromEntries(
        columns
          .map((c) => [c, rec[c.startsWith('tessera-') ? `${c} ${mode}` : c]])
          .filter(([, v]) => v !== undefined),
      );
    return {
      mode,
      values: pick(values as Record<string, string>) as Record<string, number | string>,
      marks: pick(marks),
    };
  });
  const table = resultTable({
    labels: ['samples', 'batch', 'mode'],
    rows: modeRows.map((r) => ({
      labels: [String(spec.samples), String(spec.batchSize), r.mode],
      values: r.values,
      marks: r.marks,
    })),
    contenders: columns,
    unit: 'samples/s',
  });
  const { optimizer, loss } = trainingSetup[spec.name];
  const unit = spec.train
    ? `one epoch of fit, ${optimizer}, ${loss}, samples/s`
    : 'predict + readback, samples/s';
  const rows: Record<string, number | string>[] = [row];
  let full = table;
  if (spec.train && o.memory !== false) {
    const mem = await memoryTable({
      ...spec,
      workload: spec.name,
      backends,
      compiledUnavailable: Object.fromEntries(notCompiled),
      quick: o.quick,
    });
    full = `${table}\n\n${mem.table}`;
    notes.push(...mem.notes);
    rows.push(...mem.rows.map((r) => ({ memory: 1, ...r })));
  }
  return { name: spec.name, unit, table: full, rows, notes };
}
