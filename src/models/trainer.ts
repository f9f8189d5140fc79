/**
 * The one trainer: `fit`, `evaluate`, `predict` and the per-batch methods, for every model
 * (Sequential, functional, subclassed); `compile` and its state are in `compile_state.ts`, the
 * compiled steps in `jit_steps.ts`. Tensors are garbage-collected, so no memory scopes appear
 * here either.
 */
import { variableGrads } from '../autograd/grad.js';
import { noGrad } from '../autograd/tape.js';
import {
  type Callback,
  type CallbackHooks,
  CallbackList,
  History,
  type Logs,
} from '../callbacks/callback.js';
import {
  clearProgress,
  publishProgress,
  restoreRunningState,
  takeResume,
} from '../callbacks/fit_resume.js';
import { ProgbarLogger } from '../callbacks/progbar.js';
import { ShapeError, ValueError } from '../errors.js';
import { concat, gather, slice } from '../ops/movement.js';
import { globalGenerator } from '../ops/random.js';
import { Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import {
  computeLoss,
  ensureBuilt,
  ensureMetrics,
  isRecord,
  outputCount,
  resetState,
  runModel,
  state,
  updateLogs,
} from './compile_state.js';
import {
  type DataCheckOptions,
  checkClassWeight,
  checkData,
  checkEpochs,
  checkHasSamples,
  toSampleWeight,
} from './data_checks.js';
import { reportFallbacks, runPredictStep, runTestStep, runTrainStep } from './jit_steps.js';
import type { Model } from './model.js';

export { History };
export type { DataCheckOptions };
// compile and the compiled steps live in their own files; their public names stay here.
export { compile, type CompileArgs, type CompiledState } from './compile_state.js';
export { compiledStepInfo } from './jit_steps.js';

/** Model inputs or targets: one tensor, one per input/output, or keyed by input/output name. */
export type DataInput = TensorLike | readonly TensorLike[] | Readonly<Record<string, TensorLike>>;

/** Options of `fit`. */
export interface FitArgs extends DataCheckOptions {
  /**
   * Index of the epoch to stop before (default 1): epochs `initialEpoch … epochs − 1` run, as
   * in Keras. A non-negative integer; 0, or any value ≤ initialEpoch, runs no epoch.
   */
  epochs?: number;
  /** Samples per gradient step (default 32). */
  batchSize?: number;
  /** Reshuffle the samples before each epoch (default true). */
  shuffle?: boolean;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** Validation data `[x, y]` or `[x, y, sampleWeight]`; overrides validationSplit. */
  validationData?: readonly [DataInput, DataInput] | readonly [DataInput, DataInput, TensorLike];
  /** Validation batch size (default batchSize). */
  validationBatchSize?: number;
  /** Weight of each class index in the loss (single-output models). */
  classWeight?: Readonly<Record<number, number>>;
  /** Weight of each sample in the loss, shape [samples]. */
  sampleWeight?: TensorLike;
  /**
   * Index of the first epoch to run (for resuming; default 0). A non-negative integer; when it
   * is ≥ `epochs` no epoch runs and the History is empty, as in Keras.
   */
  initialEpoch?: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch (default 1). */
  verbose?: 0 | 1 | 2;
  callbacks?: readonly (Callback | CallbackHooks)[];
}

/** Options of `evaluate`. */
export interface EvaluateArgs extends DataCheckOptions {
  batchSize?: number;
  sampleWeight?: TensorLike;
  /** 0 silent (default), 1 progress bar. */
  verbose?: 0 | 1;
  callbacks?: readonly (Callback | CallbackHooks)[];
}

/** Options of `predict`. */
export interface PredictArgs {
  batchSize?: number;
  callbacks?: readonly (Callback | CallbackHooks)[];
}

/** Converts x or y to one tensor per model input/output, checking that sample counts agree. */
export function toTensors(model: Model, data: DataInput, which: 'x' | 'y', op: string): Tensor[] {
  const names = which === 'x' ? model.inputNames : model.outputNames;
  const multi = which === 'x' ? model.isMultiInput : model.isMultiOutput;
  let list: TensorLike[];
  if (isRecord(data)) {
    const rec = data as Record<string, TensorLike>;
    const missing = names.filter((n) => !(n in rec));
    if (missing.length)
      throw new ValueError(
        `${op}: ${which} has no entry for ${missing.map((m) => `'${m}'`).join(', ')}; keys given: ${Object.keys(rec).join(', ')}`,
      );
    list = names.map((n) => rec[n]!);
  } else if (Array.isArray(data) && (multi || data.every((d) => d instanceof Tensor))) {
    list = [...(data as TensorLike[])];
  } else {
    list = [data as TensorLike];
  }
  const expected = which === 'x' ? Math.max(1, model.inputs.length) : outputCount(model);
  if (model.inputs.length > 0 && list.length !== expected) {
    throw new ValueError(
      `${op}: the model has ${expected} ${which === 'x' ? 'inputs' : 'outputs'} (${names.join(', ')}), got ${list.length} ${which} arrays`,
    );
  }
  const ts = list.map((d, i) => convertToTensor(d, op, `${which}[${i}]`));
  ts.forEach((t, i) => {
    if (t.rank === 0)
      throw new ShapeError(`${op}: ${which}[${i}] is a scalar; data needs a leading samples axis`);
  });
  return ts;
}

function numSamples(tensors: readonly Tensor[], what: string, op: string): number {
  const n = tensors[0]!.shape[0]!;
  tensors.forEach((t, i) => {
    if (t.shape[0] !== n)
      throw new ValueError(
        `${op}: ${what}[${i}] has ${t.shape[0]} samples but ${what}[0] has ${n}`,
      );
  });
  return n;
}

function takeRows(ts: readonly Tensor[], idx: Int32Array | [number, number]): Tensor[] {
  if (Array.isArray(idx)) {
    const [start, end] = idx;
    return ts.map((t) => slice(t, [start], [end - start]));
  }
  return ts.map((t) =>
    gather(t, new Tensor(t.backend.fromArray(idx, 'int32'), [idx.length], 'int32', t.backend)),
  );
}

/** Per-sample weights from classWeight (by label) times sampleWeight. */
function combinedWeights(
  y: Tensor,
  classWeight: Readonly<Record<number, number>> | undefined,
  sw: Tensor | null,
): Tensor | null {
  if (!classWeight) return sw;
  const labels = noGrad(() =>
    (y.rank > 1 && y.shape[y.rank - 1]! > 1 ? y.argmax(-1) : y.reshape([y.shape[0]!])).dataSync(),
  );
  const w = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const c = Math.round(labels[i]!);
    w[i] = classWeight[c] ?? 1;
  }
  const cw = new Tensor(y.backend.fromArray(w, 'float32'), [w.length], 'float32', y.backend);
  return sw ? sw.mul(cw) : cw;
}

/** The default `Model.trainStep`: forward, loss, gradients, update, constraints. */
export function defaultTrainStep(
  model: Model,
  x: Tensor[],
  y: Tensor[],
  sw: Tensor | null,
): Tensor {
  const st = state(model, 'trainStep');
  ensureBuilt(model, x);
  const vars = model.trainableWeights;
  let preds: Tensor[] = [];
  model.clearCallLosses();
  const { value, grads } = variableGrads(() => {
    preds = runModel(model, x, true);
    return computeLoss(model, st, y, preds, sw);
  }, vars);
  st.optimizer.applyGradients(grads.map((g, i) => [g, vars[i]!] as const));
  model.applyConstraints();
  st.stepPreds = preds.map((p) => p.detach());
  return value;
}

function checkPositiveInt(v: number, name: string, op: string): void {
  if (!Number.isInteger(v) || v < 1)
    throw new ValueError(`${op}: ${name} must be a positive integer, got ${v}`);
}

/**
 * A long fit must not hold the thread: timers, I/O, worker messages and a browser's UI run
 * when training yields, which it does at most this often (a yield costs well under 1 ms).
 */
const YIELD_EVERY_MS = 200;

function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  return new Promise<void>((r) => (g.setImmediate ? g.setImmediate(r) : setTimeout(r, 0)));
}

/** Trains the model; see {@link FitArgs}. */
export async function fit(
  model: Model,
  xIn: DataInput,
  yIn: DataInput,
  args: FitArgs = {},
): Promise<History> {
  const st = state(model, 'fit');
  const epochs = args.epochs ?? 1;
  const batchSize = args.batchSize ?? 32;
  const initialEpoch = args.initialEpoch ?? 0;
  checkEpochs(epochs, initialEpoch, 'fit');
  checkPositiveInt(batchSize, 'batchSize', 'fit');
  if (args.validationBatchSize !== undefined)
    checkPositiveInt(args.validationBatchSize, 'validationBatchSize', 'fit');
  let x = toTensors(model, xIn, 'x', 'fit');
  let y = toTensors(model, yIn, 'y', 'fit');
  const nx = numSamples(x, 'x', 'fit');
  const ny = numSamples(y, 'y', 'fit');
  if (nx !== ny) throw new ValueError(`fit: x has ${nx} samples but y has ${ny}`);
  let sw = toSampleWeight(args.sampleWeight, nx, 'fit');
  if (args.classWeight && y.length > 1)
    throw new ValueError('fit: classWeight is only supported for single-output models');
  // Once, before any step: a NaN here would otherwise train silently to NaN weights.
  checkData(model.inputNames, model.outputNames, x, y, sw, 'fit', args);
  if (args.classWeight) checkClassWeight(args.classWeight, 'fit', args.allowNonFinite ?? false);

  let val: { x: Tensor[]; y: Tensor[]; sw: Tensor | null } | null = null;
  if (args.validationData) {
    if (!Array.isArray(args.validationData) || ![2, 3].includes(args.validationData.length))
      throw new ValueError('fit: validationData must be [x, y] or [x, y, sampleWeight]');
    const [vx, vy, vsw] = args.validationData;
    const vxs = toTensors(model, vx, 'x', 'fit (validationData)');
    const vys = toTensors(model, vy, 'y', 'fit (validationData)');
    const vn = numSamples(vxs, 'x', 'fit (validationData)');
    if (numSamples(vys, 'y', 'fit (validationData)') !== vn)
      throw new ValueError(`fit: validationData x has ${vn} samples but y has ${vys[0]!.shape[0]}`);
    const vswT = toSampleWeight(vsw, vn, 'fit', 'validationData sampleWeight');
    checkData(model.inputNames, model.outputNames, vxs, vys, vswT, 'fit', args, 'validationData');
    val = { x: vxs, y: vys, sw: vswT };
  } else if (args.validationSplit !== undefined) {
    const s = args.validationSplit;
    if (!(s > 0 && s < 1)) throw new ValueError(`fit: validationSplit must be in (0, 1), got ${s}`);
    const at = Math.floor(nx * (1 - s));
    if (at < 1 || at >= nx)
      throw new ValueError(`fit: validationSplit ${s} of ${nx} samples leaves an empty split`);
    val = {
      x: takeRows(x, [at, nx]),
      y: takeRows(y, [at, nx]),
      sw: sw ? slice(sw, [at], [nx - at]) : null,
    };
    x = takeRows(x, [0, at]);
    y = takeRows(y, [0, at]);
    if (sw) sw = slice(sw, [0], [at]);
  }
  const n = x[0]!.shape[0]!;
  const steps = Math.ceil(n / batchSize);
  const verbose = args.verbose ?? 1;
  const history = new History();
  // User callbacks run before the progress bar so that what they add to the logs
  // (learning_rate) is printed; History comes last and records everything.
  const cbs: (Callback | CallbackHooks)[] = [...(args.callbacks ?? [])];
  if (verbose > 0) cbs.push(new ProgbarLogger({ verbose: verbose as 1 | 2 }));
  cbs.push(history);
  const callbacks = new CallbackList(cbs, model, { epochs, steps, verbose, samples: n, batchSize });
  model.stopTraining = false;
  await callbacks.call('onTrainBegin', {});
  // BackupAndRestore asks, in onTrainBegin, to resume an interrupted run where it stopped.
  const resume = takeResume(model);
  if (resume) {
    history.epoch = [...resume.history.epoch];
    for (const [k, v] of Object.entries(resume.history.history)) history.history[k] = [...v];
  }
  let epochLogs: Logs = {};
  let lastYield = performance.now();
  for (
    let epoch = resume ? resume.epoch : initialEpoch;
    epoch < epochs && !model.stopTraining;
    epoch++
  ) {
    resetState(st);
    // Before onEpochBegin, where a LearningRateScheduler may change it.
    const lrAtEpochStart = st.optimizer.learningRate;
    await callbacks.call('onEpochBegin', epoch, {});
    const resumed = resume !== null && epoch === resume.epoch ? resume : null;
    const g = globalGenerator();
    // A resumed epoch shuffles from the state its interrupted run began with, so that the
    // batches it skips are the ones that run trained.
    if (resumed) g.setState(resumed.rngAtEpochStart);
    publishProgress(model, {
      epoch,
      rngAtEpochStart: g.getState(),
      lrAtEpochStart: typeof lrAtEpochStart === 'number' ? lrAtEpochStart : null,
    });
    const order = new Int32Array(n).map((_, i) => i);
    if (args.shuffle ?? true) {
      for (let i = n - 1; i > 0; i--) {
        const j = g.int(i + 1);
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
    }
    let logs: Logs = resumed?.logs ? { ...resumed.logs } : {};
    // Mid-epoch: dropout continues from the state after the last trained batch, and the
    // epoch's running means from their values then (applied once the metrics exist).
    if (resumed?.rngAtStep) g.setState(resumed.rngAtStep);
    let pendingRunning = resumed?.running ?? null;
    for (let step = resumed?.step ?? 0; step < steps && !model.stopTraining; step++) {
      const lo = step * batchSize;
      const hi = Math.min(n, lo + batchSize);
      await callbacks.call('onTrainBatchBegin', step, { batch: step, size: hi - lo });
      const rows = (args.shuffle ?? true) ? order.subarray(lo, hi) : ([lo, hi] as [number, number]);
      // A compiled step's batch is gathered into its arena and given back after the batch
      // (shuffled rows are a gather: 400 KB a step for mlp_train, the last allocation left).
      const jitTrain = st.jit?.train ?? null;
      const gatherBatch = () => ({
        bx: takeRows(x, rows),
        by: takeRows(y, rows),
        bswRaw: sw ? takeRows([sw], rows)[0]! : null,
      });
      const { bx, by, bswRaw } = jitTrain ? jitTrain.inArena(gatherBatch) : gatherBatch();
      const bsw = combinedWeights(by[0]!, args.classWeight, bswRaw);
      st.stepPreds = null;
      const loss = runTrainStep(model, st, bx, by, bsw);
      reportFallbacks(st, verbose);
      const preds = st.stepPreds ?? noGrad(() => runModel(model, bx, false));
      if (pendingRunning) {
        ensureMetrics(st, by, preds);
        restoreRunningState(st, pendingRunning);
        pendingRunning = null;
      }
      logs = updateLogs(model, st, loss, by, preds, bsw, hi - lo);
      // Only this loop held the batch, and a replayed step ran no user code: recycle it.
      jitTrain?.recycle([...bx, ...by, bswRaw]);
      await callbacks.call('onTrainBatchEnd', step, logs);
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    epochLogs = { ...logs };
    if (val) {
      const vlogs = evaluateInternal(
        model,
        val.x,
        val.y,
        val.sw,
        args.validationBatchSize ?? batchSize,
        null,
      );
      for (const [k, v] of Object.entries(vlogs)) epochLogs[`val_${k}`] = v;
    }
    await callbacks.call('onEpochEnd', epoch, epochLogs);
    await yieldToEventLoop();
  }
  await callbacks.call('onTrainEnd', epochLogs);
  clearProgress(model);
  (model as { history?: History }).history = history;
  return history;
}

function evaluateInternal(
  model: Model,
  x: Tensor[],
  y: Tensor[],
  sw: Tensor | null,
  batchSize: number,
  callbacks: CallbackList | null,
): Logs {
  const st = state(model, 'evaluate');
  const n = numSamples(x, 'x', 'evaluate');
  const ny = numSamples(y, 'y', 'evaluate');
  if (n !== ny) throw new ValueError(`evaluate: x has ${n} samples but y has ${ny}`);
  resetState(st);
  const steps = Math.ceil(n / batchSize);
  let logs: Logs = {};
  callbacks?.callSync('onTestBegin', {});
  for (let step = 0; step < steps; step++) {
    const lo = step * batchSize;
    const hi = Math.min(n, lo + batchSize);
    const bx = takeRows(x, [lo, hi]);
    const by = takeRows(y, [lo, hi]);
    const bsw = sw ? slice(sw, [lo], [hi - lo]) : null;
    const { loss, preds } = runTestStep(model, st, bx, by, bsw);
    logs = updateLogs(model, st, loss, by, preds, bsw, hi - lo);
    callbacks?.callSync('onTestBatchEnd', step, logs);
  }
  callbacks?.callSync('onTestEnd', logs);
  return logs;
}

/** Loss and metrics over data in test mode. */
export function evaluate(
  model: Model,
  xIn: DataInput,
  yIn: DataInput,
  args: EvaluateArgs = {},
): Logs {
  const batchSize = args.batchSize ?? 32;
  checkPositiveInt(batchSize, 'batchSize', 'evaluate');
  const x = toTensors(model, xIn, 'x', 'evaluate');
  const y = toTensors(model, yIn, 'y', 'evaluate');
  const n = numSamples(x, 'x', 'evaluate');
  if (numSamples(y, 'y', 'evaluate') !== n)
    throw new ValueError(`evaluate: x has ${n} samples but y has ${y[0]!.shape[0]}`);
  const sw = toSampleWeight(args.sampleWeight, n, 'evaluate');
  checkData(model.inputNames, model.outputNames, x, y, sw, 'evaluate', args);
  ensureBuilt(model, x);
  const cbs: (Callback | CallbackHooks)[] = [...(args.callbacks ?? [])];
  if (args.verbose) cbs.unshift(new ProgbarLogger());
  const list = new CallbackList(cbs, model, {
    epochs: 1,
    steps: Math.ceil(n / batchSize),
    verbose: args.verbose ?? 0,
    samples: n,
    batchSize,
  });
  return evaluateInternal(model, x, y, sw, batchSize, list);
}

/** Model outputs, batch by batch, concatenated. */
export function predict(model: Model, xIn: DataInput, args: PredictArgs = {}): Tensor | Tensor[] {
  const batchSize = args.batchSize ?? 32;
  checkPositiveInt(batchSize, 'batchSize', 'predict');
  const x = toTensors(model, xIn, 'x', 'predict');
  const n = numSamples(x, 'x', 'predict');
  // Keras 3 fails on empty input too (an UnboundLocalError); say why instead.
  checkHasSamples(x[0]!, 'x', 'predict');
  const steps = Math.ceil(n / batchSize);
  const list = new CallbackList(args.callbacks ?? [], model, {
    epochs: 1,
    steps,
    verbose: 0,
    samples: n,
    batchSize,
  });
  list.callSync('onPredictBegin', {});
  const parts: Tensor[][] = [];
  noGrad(() => {
    for (let step = 0; step < steps; step++) {
      const lo = step * batchSize;
      const hi = Math.min(n, lo + batchSize);
      parts.push(runPredictStep(model, takeRows(x, [lo, hi])));
      list.callSync('onPredictBatchEnd', step, {});
    }
  });
  list.callSync('onPredictEnd', {});
  if (parts.length === 0) throw new ValueError('predict: no samples');
  const outs = parts[0]!.map((_, i) =>
    parts.length === 1
      ? parts[0]![i]!
      : concat(
          parts.map((p) => p[i]!),
          0,
        ),
  );
  return outs.length === 1 && !model.isMultiOutput ? outs[0]! : outs;
}

/**
 * One gradient step on one batch; returns that batch's logs. The batch must have samples and,
 * unless `options.allowNonFinite`, finite x, y and sampleWeight.
 */
export function trainOnBatch(
  model: Model,
  xIn: DataInput,
  yIn: DataInput,
  sampleWeight?: TensorLike,
  options: DataCheckOptions = {},
): Logs {
  const st = state(model, 'trainOnBatch');
  const x = toTensors(model, xIn, 'x', 'trainOnBatch');
  const y = toTensors(model, yIn, 'y', 'trainOnBatch');
  const n = numSamples(x, 'x', 'trainOnBatch');
  if (numSamples(y, 'y', 'trainOnBatch') !== n)
    throw new ValueError(`trainOnBatch: x has ${n} samples but y has ${y[0]!.shape[0]}`);
  const sw = toSampleWeight(sampleWeight, n, 'trainOnBatch');
  checkData(model.inputNames, model.outputNames, x, y, sw, 'trainOnBatch', options);
  resetState(st);
  st.stepPreds = null;
  const loss = runTrainStep(model, st, x, y, sw);
  reportFallbacks(st, 0);
  const preds = st.stepPreds ?? noGrad(() => runModel(model, x, false));
  return updateLogs(model, st, loss, y, preds, sw, n);
}

/**
 * Loss and metrics of one batch, without updating; the same data checks as `trainOnBatch`.
 */
export function testOnBatch(
  model: Model,
  xIn: DataInput,
  yIn: DataInput,
  sampleWeight?: TensorLike,
  options: DataCheckOptions = {},
): Logs {
  state(model, 'testOnBatch');
  const x = toTensors(model, xIn, 'x', 'testOnBatch');
  const y = toTensors(model, yIn, 'y', 'testOnBatch');
  const n = numSamples(x, 'x', 'testOnBatch');
  if (numSamples(y, 'y', 'testOnBatch') !== n)
    throw new ValueError(`testOnBatch: x has ${n} samples but y has ${y[0]!.shape[0]}`);
  const sw = toSampleWeight(sampleWeight, n, 'testOnBatch');
  checkData(model.inputNames, model.outputNames, x, y, sw, 'testOnBatch', options);
  ensureBuilt(model, x);
  return evaluateInternal(model, x, y, sw, n, null);
}

/** Outputs for one batch. */
export function predictOnBatch(model: Model, xIn: DataInput): Tensor | Tensor[] {
  const x = toTensors(model, xIn, 'x', 'predictOnBatch');
  const outs = noGrad(() => runModel(model, x, false));
  return outs.length === 1 && !model.isMultiOutput ? outs[0]! : outs;
}
