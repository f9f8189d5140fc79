/**
 * What `compile` sets up on a model (optimizer, losses, metrics, loss trackers, compiled
 * steps) and the per-step helpers over it shared by the trainer and the compiled steps: the
 * total loss, running the model, metric and log updates.
 */
import { noGrad } from '../autograd/tape.js';
import type { Logs } from '../callbacks/callback.js';
import { CompiledStep, type JitCompile } from '../engine/step.js';
import { ValueError } from '../errors.js';
import { type Loss, type LossFunction as LossFn, type LossId, getLoss } from '../losses.js';
import { type Metric, getMetric } from '../metrics.js';
import { cast } from '../ops/elementwise.js';
import { concat, slice } from '../ops/movement.js';
import { type Optimizer, type OptimizerId, getOptimizer } from '../optimizers/index.js';
import type { SerializedObject } from '../serialization.js';
import { StringTensor } from '../tensor/string_tensor.js';
import { Tensor } from '../tensor/tensor.js';
import type { Model } from './model.js';

type LossSpec = LossId | Loss | LossFn | SerializedObject;
/** A metric as `compile` takes it: an id, a Metric, or a function. */
export type MetricSpec = string | Metric | LossFn;

/** Options of `compile`. */
export interface CompileArgs {
  /** An optimizer instance or id (`'adam'`, `'sgd'`, `'rmsprop'`…). */
  optimizer: OptimizerId | Optimizer | SerializedObject;
  /** One loss for every output, one per output (array), or keyed by output name. */
  loss: LossSpec | readonly LossSpec[] | Readonly<Record<string, LossSpec>>;
  /**
   * Metrics for every output, one list per output, or keyed by output name; as in Keras, a
   * dict may leave outputs out (they get no metrics) but may not name unknown outputs.
   */
  metrics?:
    | readonly MetricSpec[]
    | readonly (readonly MetricSpec[])[]
    | Readonly<Record<string, MetricSpec | readonly MetricSpec[]>>;
  /** Weights of the per-output losses in the total (default 1 each). */
  lossWeights?: readonly number[] | Readonly<Record<string, number>>;
  /**
   * Keras's `jit_compile`: whether `fit`, `evaluate` and `predict` run their steps compiled
   * (traced once per input signature into a list of backend primitives, then replayed).
   * `'auto'` compiles where the step can be traced and otherwise runs eagerly, keeping the
   * reason in `compiledStepInfo(model)` (printed once at verbose ≥ 1) — the default; `true`
   * throws a `JitCompileError` where a step cannot be compiled; `false` runs eagerly. The
   * default and a custom `trainStep` are traced whole, optimizer update included (its learning
   * rate and bias corrections are step parameters); Nadam's update and `clipnorm` stay eager
   * beside the compiled graph. The environment variable `TESSERA_JIT_COMPILE` (`auto`, `true`
   * or `false`) changes the default, e.g. to run a whole test suite eagerly.
   * @example model.compile({ optimizer: 'adam', loss: 'mse', jitCompile: 'auto' });
   */
  jitCompile?: JitCompile;
}

/** Running mean weighted by batch size: how Keras reports loss over an epoch. */
class Tracker {
  private total = 0;
  private count = 0;
  update(v: number, w: number): void {
    this.total += v * w;
    this.count += w;
  }
  result(): number {
    return this.count ? this.total / this.count : 0;
  }
  reset(): void {
    this.total = 0;
    this.count = 0;
  }
}

/** @internal What `compile` set up on a model. */
export interface CompiledState {
  optimizer: Optimizer;
  losses: Loss[];
  lossWeights: number[];
  metricSpecs: MetricSpec[][];
  /** Created on the first batch, when shapes are known (to resolve 'accuracy'). */
  metrics: Metric[][] | null;
  lossTracker: Tracker;
  outputLossTrackers: Tracker[];
  /** Per-output losses of the current step (logged for multi-output models). */
  stepOutputLosses: Tensor[];
  /**
   * The current step's loss, per-output losses and metric statistics as one flat tensor, when
   * the compiled step computed it ({@link stepSummary}); null: `updateLogs` computes it.
   */
  stepSummary: Tensor | null;
  /**
   * Per output and metric, how many statistics the summary holds for it (null: the metric
   * updates on the host); set by {@link stepSummary}, the same for every step.
   */
  summaryLayout: (number | null)[][];
  /** The compiled train, test and predict steps (null: eager). */
  jit: {
    train: CompiledStep;
    test: CompiledStep;
    predict: CompiledStep;
    /** Per train key: which variables got no gradient (fixed by the graph, kept for replays). */
    noGrad: Map<string, boolean[]>;
  } | null;
}

/**
 * Whether `x` is a plain by-name record (not a tensor, array or typed array).
 * @example isRecord({ out: y }) // true; isRecord([y]) // false
 */
export function isRecord(x: unknown): x is Record<string, unknown> {
  return (
    x !== null &&
    typeof x === 'object' &&
    !Array.isArray(x) &&
    !(x instanceof Tensor) &&
    !(x instanceof StringTensor) &&
    !ArrayBuffer.isView(x)
  );
}

/**
 * The number of the model's outputs (1 for a model not built yet).
 * @example outputCount(model) // 2 for a two-output functional model
 */
export function outputCount(model: Model): number {
  return Math.max(1, model.outputs.length);
}

/** Spreads a per-output spec (single, array or by-name record) over the outputs. */
function perOutput<T>(
  model: Model,
  spec: T | readonly T[] | Readonly<Record<string, T>>,
  what: string,
  isSingle: (x: unknown) => boolean,
  missing?: () => T,
): T[] {
  const n = outputCount(model);
  const names = model.outputNames;
  if (isRecord(spec) && !isSingle(spec)) {
    const rec = spec as Record<string, T>;
    for (const k of Object.keys(rec)) {
      if (!names.includes(k))
        throw new ValueError(
          `compile: ${what} given for unknown output '${k}'; outputs: ${names.join(', ')}`,
        );
    }
    return names.map((name) => {
      if (name in rec) return rec[name]!;
      // Keras: a metrics dict may leave outputs out (they get none); a loss dict may not.
      if (missing) return missing();
      throw new ValueError(
        `compile: no ${what} for output '${name}'; a ${what} dict needs every output: ${names.join(', ')}`,
      );
    });
  }
  if (Array.isArray(spec)) {
    if (spec.length !== n)
      throw new ValueError(`compile: ${spec.length} ${what}s given for ${n} outputs`);
    return [...spec];
  }
  return new Array(n).fill(spec);
}

/** Sets up optimizer, losses, metrics and loss weights. */
export function compile(model: Model, args: CompileArgs): void {
  if (!args || args.loss === undefined)
    throw new ValueError(`${model.name}.compile: a loss is required`);
  const n = outputCount(model);
  const isLossSingle = (x: unknown) =>
    typeof x === 'string' ||
    typeof x === 'function' ||
    (isRecord(x) && 'className' in x) ||
    ((x as object) instanceof Object && 'apply' in (x as object));
  const losses = perOutput(model, args.loss as LossSpec, 'loss', isLossSingle).map((l) =>
    getLoss(l),
  );
  let lossWeights = new Array<number>(n).fill(1);
  if (args.lossWeights)
    lossWeights = perOutput<number>(
      model,
      args.lossWeights,
      'loss weight',
      (x) => typeof x === 'number',
    );
  let metricSpecs: MetricSpec[][] = Array.from({ length: n }, () => []);
  const m = args.metrics;
  if (m) {
    if (isRecord(m)) {
      metricSpecs = perOutput(
        model,
        m as Record<string, MetricSpec | MetricSpec[]>,
        'metric',
        () => false,
        () => [],
      ).map((x) => (Array.isArray(x) ? [...x] : [x as MetricSpec]));
    } else if (Array.isArray(m) && m.length > 0 && Array.isArray(m[0])) {
      if (m.length !== n)
        throw new ValueError(`compile: ${m.length} metric lists given for ${n} outputs`);
      metricSpecs = (m as MetricSpec[][]).map((x) => [...x]);
    } else {
      metricSpecs = Array.from({ length: n }, () => [...(m as MetricSpec[])]);
    }
  }
  model.compiled = {
    optimizer: getOptimizer(args.optimizer),
    losses,
    lossWeights,
    metricSpecs,
    metrics: null,
    lossTracker: new Tracker(),
    outputLossTrackers: Array.from({ length: n }, () => new Tracker()),
    stepOutputLosses: [],
    stepSummary: null,
    summaryLayout: [],
    jit: jitSteps(args.jitCompile ?? defaultJitCompile(), 'compile'),
  };
}

/** `TESSERA_JIT_COMPILE` where set (`auto`, `true`, `false`), else `'auto'`. */
function defaultJitCompile(): JitCompile {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const v = g.process?.env?.TESSERA_JIT_COMPILE;
  if (v === undefined || v === '' || v === 'auto') return 'auto';
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ValueError(`TESSERA_JIT_COMPILE must be 'auto', 'true' or 'false', got '${v}'`);
}

function jitSteps(mode: JitCompile, op: string): CompiledState['jit'] {
  if (mode !== 'auto' && mode !== true && mode !== false)
    throw new ValueError(`${op}: jitCompile must be 'auto', true or false, got ${String(mode)}`);
  if (mode === false) return null;
  return {
    train: new CompiledStep('trainStep', mode),
    test: new CompiledStep('testStep', mode),
    predict: new CompiledStep('predictStep', mode),
    noGrad: new Map(),
  };
}

/**
 * The model's compile state; a ValueError naming `op` when `compile` was not called.
 * @example const st = state(model, 'fit');
 */
export function state(model: Model, op: string): CompiledState {
  if (!model.compiled) throw new ValueError(`${model.name}.${op}: call compile() first`);
  return model.compiled;
}

/**
 * The compiled metrics, created on the first batch, when the shapes resolve `'accuracy'`.
 * @example const metrics = ensureMetrics(st, y, preds);
 */
export function ensureMetrics(
  st: CompiledState,
  y: readonly Tensor[],
  preds: readonly Tensor[],
): Metric[][] {
  if (!st.metrics) {
    st.metrics = st.metricSpecs.map((specs, i) =>
      specs.map((s) =>
        getMetric(s as never, {
          loss: st.losses[i]! as never,
          yTrueShape: y[i]!.shape,
          yPredShape: preds[i]!.shape,
        }),
      ),
    );
  }
  return st.metrics;
}

/**
 * The total loss: Σ weightᵢ · lossᵢ(yᵢ, predᵢ) plus the layers' regularization losses.
 * @example const loss = computeLoss(model, st, y, preds, null);
 */
export function computeLoss(
  model: Model,
  st: CompiledState,
  y: readonly Tensor[],
  preds: readonly Tensor[],
  sw: Tensor | null,
): Tensor {
  if (preds.length !== y.length) {
    throw new ValueError(
      `${model.name}: the model gave ${preds.length} outputs but ${y.length} targets were given`,
    );
  }
  let total: Tensor | null = null;
  st.stepOutputLosses = [];
  preds.forEach((p, i) => {
    const l = st.losses[i]!.apply(y[i]!, p, sw ?? undefined);
    st.stepOutputLosses.push(l);
    const wl = st.lossWeights[i] === 1 ? l : l.mul(st.lossWeights[i]!);
    total = total ? total.add(wl) : wl;
  });
  for (const r of model.losses) total = total!.add(r);
  return total!;
}

/**
 * The model's outputs on the inputs `x`, always as a list.
 * @example const [pred] = runModel(model, [x], false);
 */
export function runModel(model: Model, x: readonly Tensor[], training: boolean): Tensor[] {
  return model.applyMulti(x.length === 1 ? x[0]! : [...x], { training });
}

/**
 * Builds a model whose weights do not exist yet (a Sequential without input shape).
 * @example ensureBuilt(model, [x]);
 */
export function ensureBuilt(model: Model, x: readonly Tensor[]): void {
  if (model.built && model.outputs.length > 0) return;
  if (model.built && model.weights.length > 0) return;
  noGrad(() =>
    runModel(
      model,
      x.map((t) => {
        const s = t as unknown;
        if (!(s instanceof StringTensor)) return slice(t, [0], [Math.min(1, t.shape[0]!)]);
        return s.slice([0], [Math.min(1, s.shape[0]!), ...s.shape.slice(1)]) as unknown as Tensor;
      }),
      false,
    ),
  );
}

/**
 * Everything a step reports, as one flat float32 tensor so that the host reads it once: the
 * loss, then each output's loss (multi-output models), then the tensor statistics of every
 * metric that has them ({@link Metric.batchStatistics}), in the order of `st.metrics`. It makes
 * no host read, so a compiled step records it with the rest of the step.
 *
 * Shape: `[1 + outputs' losses + Σ statistics]`, float32 (float64 for a float64 loss).
 * @example const summary = stepSummary(st, loss, y, preds, null); // read once after the step
 */
export function stepSummary(
  st: CompiledState,
  loss: Tensor,
  y: readonly Tensor[],
  preds: readonly Tensor[],
  sw: Tensor | null,
): Tensor {
  return noGrad(() => {
    const parts: Tensor[] = [loss];
    if (st.stepOutputLosses.length > 1) parts.push(...st.stepOutputLosses);
    st.summaryLayout = ensureMetrics(st, y, preds).map((ms, i) =>
      ms.map((m) => {
        const stats = m.batchStatistics(y[i]!, preds[i]!, sw);
        if (stats) parts.push(...stats);
        return stats ? stats.length : null;
      }),
    );
    // float32 unless the loss is float64 (a float64 model keeps its loss's precision).
    const dt = loss.dtype === 'float64' ? 'float64' : 'float32';
    return concat(
      parts.map((t) => cast(t.reshape([1]), dt)),
      0,
    );
  });
}

/**
 * Updates trackers and metrics after a step, from the step's summary (read back once; made
 * here when the step did not make it) and, for metrics without tensor statistics, their host
 * update; returns the running logs.
 * @example const logs = updateLogs(model, st, loss, y, preds, null, 32);
 */
export function updateLogs(
  model: Model,
  st: CompiledState,
  loss: Tensor,
  y: readonly Tensor[],
  preds: readonly Tensor[],
  sw: Tensor | null,
  batch: number,
): Logs {
  const summary = st.stepSummary ?? stepSummary(st, loss, y, preds, sw);
  st.stepSummary = null;
  const values = summary.dataSync();
  let k = 0;
  st.lossTracker.update(values[k++]!, batch);
  if (st.stepOutputLosses.length > 1) {
    for (const t of st.outputLossTrackers) t.update(values[k++]!, batch);
  }
  st.stepOutputLosses = [];
  const metrics = ensureMetrics(st, y, preds);
  noGrad(() =>
    metrics.forEach((ms, i) =>
      ms.forEach((m, j) => {
        // Statistics merged from the one read, or a host update (a custom function, top-k,
        // thresholds, R²), as stepSummary decided.
        const n = st.summaryLayout[i]?.[j] ?? null;
        if (n === null) m.updateState(y[i]!, preds[i]!, sw ?? undefined);
        else {
          m.mergeStatistics(Array.from(values.subarray(k, k + n)));
          k += n;
        }
      }),
    ),
  );
  return currentLogs(model, st);
}

function currentLogs(model: Model, st: CompiledState): Logs {
  const logs: Logs = { loss: st.lossTracker.result() };
  const multi = outputCount(model) > 1;
  const names = model.outputNames;
  if (multi) {
    st.outputLossTrackers.forEach((t, i) => {
      logs[`${names[i]}_loss`] = t.result();
    });
  }
  st.metrics?.forEach((ms, i) => {
    for (const m of ms) logs[multi ? `${names[i]}_${m.name}` : m.name] = m.result();
  });
  return logs;
}

/**
 * Resets the loss trackers and the metrics (at the start of an epoch or an evaluation).
 * @example resetState(state(model, 'fit'));
 */
export function resetState(st: CompiledState): void {
  st.lossTracker.reset();
  st.outputLossTrackers.forEach((t) => t.reset());
  st.metrics?.forEach((ms) => ms.forEach((m) => m.resetState()));
}
