/**
 * The Tessera models of the bench's model workloads, the seeded data they train on and the
 * eager/compiled switch: shared by the timed run (`models.ts`) and the memory child
 * (`memory_child.ts`), which must not load TensorFlow.js (it would count in its RSS).
 */
import {
  Add,
  Conv2D,
  Dense,
  Embedding,
  Flatten,
  GlobalAveragePooling1D,
  LSTM,
  LayerNormalization,
  MaxPooling2D,
  type Model,
  MultiHeadAttention,
  Sequential,
  model as functionalModel,
  input,
} from '../src/index.js';
import * as tessera from '../src/index.js';
// Namespace imports: the engine's `compiledStepInfo` may or may not exist in this checkout.
import * as trainer from '../src/models/trainer.js';

/** The model workloads, by the names `npm run bench -- --only` takes. */
export type ModelName =
  | 'mlp_train'
  | 'mlp_predict'
  | 'cnn_train'
  | 'convnet_train'
  | 'lstm_train'
  | 'transformer_train';

/** How a Tessera model runs its steps: `eager` op by op, or `compiled` by the step engine. */
export type StepMode = 'eager' | 'compiled';

/** The data of one model workload: the sample shape, labels and sizes. */
export interface DataSpec {
  samples: number;
  /** The shape of one sample. */
  inputShape: number[];
  /** Token ids below `vocab` (int32) instead of uniform floats. */
  vocab?: number;
  /** One-hot classes, or 1 for a binary 0/1 label. */
  classes: number;
  /** Integer class ids (`[n]`, for sparse categorical crossentropy) instead of one-hot rows. */
  sparseLabels?: boolean;
}

/** Seeded inputs and labels: `x` floats or token ids, `y` one-hot/binary floats or class ids. */
export interface ModelData {
  x: Float32Array | Int32Array;
  y: Float32Array | Int32Array;
}

export const MLP_INPUTS = 784;
export const VOCAB = 10000;
export const SEQ_LEN = 100;
/** The transformer workload's sequence length. */
export const TRANSFORMER_LEN = 200;

/** The Tessera model of each workload (`mlp_predict` uses the MLP), not yet compiled. */
export const tesseraModels: Record<ModelName, () => Model> = {
  mlp_train: mlp,
  mlp_predict: mlp,
  cnn_train: () =>
    new Sequential({
      layers: [
        new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
        new MaxPooling2D({ poolSize: 2 }),
        new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
        new MaxPooling2D({ poolSize: 2 }),
        new Flatten(),
        new Dense({ units: 10, activation: 'softmax' }),
      ],
    }),
  // Deep Learning with Python (2nd ed.), chapter 8: the MNIST convnet.
  convnet_train: () =>
    new Sequential({
      layers: [
        new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
        new MaxPooling2D({ poolSize: 2 }),
        new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
        new MaxPooling2D({ poolSize: 2 }),
        new Conv2D({ filters: 128, kernelSize: 3, activation: 'relu' }),
        new Flatten(),
        new Dense({ units: 10, activation: 'softmax' }),
      ],
    }),
  lstm_train: () =>
    new Sequential({
      layers: [
        new Embedding({ inputDim: VOCAB, outputDim: 32, inputShape: [SEQ_LEN] }),
        new LSTM({ units: 32 }),
        new Dense({ units: 1, activation: 'sigmoid' }),
      ],
    }),
  transformer_train: transformer,
};

/**
 * A one-block transformer encoder classifier: Embedding(10000, 32) → [MultiHeadAttention(2
 * heads of 16) + residual → LayerNormalization → Dense(32, relu) → Dense(32) + residual →
 * LayerNormalization] → GlobalAveragePooling1D → Dense(1, sigmoid). Heads of 16 so that
 * PyTorch's nn.MultiheadAttention(32, 2) is the same computation.
 */
function transformer(): Model {
  const x = input({ shape: [TRANSFORMER_LEN], dtype: 'int32' });
  const h = new Embedding({ inputDim: VOCAB, outputDim: 32 }).apply(x);
  const a = new MultiHeadAttention({ numHeads: 2, keyDim: 16 }).apply([h, h]);
  const h1 = new LayerNormalization().apply(new Add().apply([h, a]));
  const f = new Dense({ units: 32 }).apply(new Dense({ units: 32, activation: 'relu' }).apply(h1));
  const h2 = new LayerNormalization().apply(new Add().apply([h1, f]));
  const y = new Dense({ units: 1, activation: 'sigmoid' }).apply(
    new GlobalAveragePooling1D().apply(h2),
  );
  return functionalModel({ inputs: x, outputs: y });
}

function mlp(): Sequential {
  return new Sequential({
    layers: [
      new Dense({ units: 512, activation: 'relu', inputShape: [MLP_INPUTS] }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** Optimizer and loss of each workload, the same names in Tessera and TensorFlow.js. */
export const trainingSetup: Record<ModelName, { optimizer: string; loss: string }> = {
  mlp_train: { optimizer: 'adam', loss: 'categoricalCrossentropy' },
  mlp_predict: { optimizer: 'adam', loss: 'categoricalCrossentropy' },
  cnn_train: { optimizer: 'adam', loss: 'categoricalCrossentropy' },
  convnet_train: { optimizer: 'rmsprop', loss: 'sparseCategoricalCrossentropy' },
  lstm_train: { optimizer: 'rmsprop', loss: 'binaryCrossentropy' },
  transformer_train: { optimizer: 'rmsprop', loss: 'binaryCrossentropy' },
};

/**
 * Compiles a Tessera model for a step mode. Eager passes `jitCompile: false` (with the engine's
 * default it might compile); compiled passes `jitCompile: 'auto'`, so that a step the engine
 * cannot trace runs eagerly and {@link compiledStepState} reports why (a `compile` that does not
 * know the option ignores it, and the state then says the engine is not available).
 */
export function compileFor(model: Model, name: ModelName, mode: StepMode): void {
  const args = { ...trainingSetup[name], jitCompile: mode === 'compiled' ? 'auto' : false };
  model.compile(args as Parameters<Model['compile']>[0]);
}

/** What the engine reports about one step kind, as far as the bench relies on it. */
interface StepReport {
  compiled?: unknown;
  fallbacks?: { signature?: string; reason?: string }[];
  reason?: string;
}

/** The engine's report on a model, wherever this checkout exposes it; undefined without one. */
function engineReport(model: Model): Record<string, unknown> | undefined {
  const lib = tessera as Record<string, unknown>;
  const tr = trainer as Record<string, unknown>;
  const fn = [lib.compiledStepInfo, tr.compiledStepInfo].find((f) => typeof f === 'function');
  let info: unknown = fn
    ? (fn as (m: Model) => unknown)(model)
    : (model as unknown as Record<string, unknown>).compiledStepInfo;
  if (typeof info === 'function') info = (info as () => unknown).call(model);
  return info && typeof info === 'object' ? (info as Record<string, unknown>) : undefined;
}

/**
 * Whether the model's last steps of a kind ran compiled, from the engine's report after a
 * warm-up (`compiledStepInfo(model)[kind]`: signatures `compiled` with graph stats, and
 * `fallbacks` with reasons). Answers `compiled: false` with the reason, or "engine not
 * available" when this checkout has no engine; `stats` are the first compiled graph's.
 *
 * @example
 * compiledStepState(model, 'train'); // { compiled: false, reason: 'engine not available' }
 */
export function compiledStepState(
  model: Model,
  kind: 'train' | 'predict',
): { compiled: boolean; reason: string; stats?: Record<string, number> } {
  let info: Record<string, unknown> | undefined;
  try {
    info = engineReport(model);
  } catch (e) {
    return { compiled: false, reason: `compiledStepInfo threw: ${String(e).slice(0, 160)}` };
  }
  const step = info?.[kind] as StepReport | undefined;
  if (!step || typeof step !== 'object') return { compiled: false, reason: 'engine not available' };
  const reasons = (step.fallbacks ?? []).map((f) => f.reason ?? '?');
  if (typeof step.reason === 'string') reasons.push(step.reason);
  const graphs = Array.isArray(step.compiled) ? step.compiled : [];
  const compiled = step.compiled === true || (graphs.length > 0 && reasons.length === 0);
  if (compiled) {
    const stats = (graphs[0] as { stats?: Record<string, number> } | undefined)?.stats;
    return { compiled: true, reason: '', ...(stats ? { stats } : {}) };
  }
  const why = [...new Set(reasons)].join('; ') || 'no step was compiled';
  return { compiled: false, reason: `runs eagerly: ${why.slice(0, 200)}` };
}

/** A seeded generator of uniform floats in [0, 1) (mulberry32): data independent of backends. */
function uniforms(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded inputs (uniform floats or token ids) and one-hot, binary or class-id labels. */
export function makeData(spec: DataSpec): ModelData {
  const rand = uniforms(1234);
  const size = spec.samples * spec.inputShape.reduce((a, b) => a * b, 1);
  const x = spec.vocab
    ? Int32Array.from({ length: size }, () => Math.floor(rand() * spec.vocab!))
    : Float32Array.from({ length: size }, rand);
  if (spec.sparseLabels) {
    return {
      x,
      y: Int32Array.from({ length: spec.samples }, () => Math.floor(rand() * spec.classes)),
    };
  }
  const y = new Float32Array(spec.samples * spec.classes);
  for (let i = 0; i < spec.samples; i++) {
    if (spec.classes === 1) y[i] = rand() < 0.5 ? 1 : 0;
    else y[i * spec.classes + Math.floor(rand() * spec.classes)] = 1;
  }
  return { x, y };
}

/**
 * The first `n` samples' inputs and labels with their shapes. Class ids are `[n]` for Tessera
 * (Keras's sparse labels) and `[n, 1]` with `sparseAsColumn` (what TensorFlow.js's fit checks).
 */
export function slice(spec: DataSpec, data: ModelData, n: number, sparseAsColumn = false) {
  const per = spec.inputShape.reduce((a, b) => a * b, 1);
  const yShape = spec.sparseLabels ? (sparseAsColumn ? [n, 1] : [n]) : [n, spec.classes];
  return {
    x: data.x.subarray(0, n * per),
    xShape: [n, ...spec.inputShape],
    y: data.y.subarray(0, n * (spec.sparseLabels ? 1 : spec.classes)),
    yShape,
  };
}
