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
import { ValueError } from '../errors.js';
import { concat, slice } from '../ops/movement.js';
import { globalGenerator } from '../ops/random.js';
import { LossScaleOptimizer } from '../optimizers/loss_scale_optimizer.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import {
  type CompiledState,
  computeLoss,
  ensureBuilt,
  ensureMetrics,
  isRecord,
  resetState,
  runModel,
  state,
  updateLogs,
} from './compile_state.js';
import {
  ArrayDataAdapter,
  type Batch,
  type BatchSource,
  type DataAdapter,
  type DataInput,
  DatasetAdapter,
  EpochIterator,
  isBatchSource,
  isText,
  numSamples,
  takeRows,
  toTensors,
} from './data_adapters.js';
import {
  type DataCheckOptions,
  checkClassWeight,
  checkData,
  checkEpochs,
  checkHasSamples,
  toSampleWeight,
} from './data_checks.js';
import { reportFallbacks, runPredictStep, runTestStep, runTrainStep } from './jit_steps.js';
import type { Model, TrainStepOutput } from './model.js';

export { History };
export type { DataCheckOptions, DataInput, BatchSource };
export { toTensors };
// compile and the compiled steps live in their own files; their public names stay here.
export { compile, type CompileArgs, type CompiledState } from './compile_state.js';
export { compiledStepInfo } from './jit_steps.js';

/** Options of `fit`. */
export interface FitArgs extends DataCheckOptions {
  /**
   * Index of the epoch to stop before (default 1): epochs `initialEpoch … epochs − 1` run, as
   * in Keras. A non-negative integer; 0, or any value ≤ initialEpoch, runs no epoch.
   */
  epochs?: number;
  /** Samples per gradient step (default 32; tensor data only: a dataset is batched already). */
  batchSize?: number;
  /** Reshuffle the samples before each epoch (default true; tensor data only). */
  shuffle?: boolean;
  /**
   * Batches per epoch (default: one pass over the data). The data's pass then runs on across
   * epochs, as in Keras: with a dataset of 100 batches and 30 steps per epoch, the fourth
   * epoch gets the last 10 batches (with a warning) and the fifth starts a new pass. Needed for
   * an infinite dataset (`repeat()`).
   */
  stepsPerEpoch?: number;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /**
   * Validation data: `[x, y]`, `[x, y, sampleWeight]`, or a dataset (or iterable) of such
   * batches; overrides validationSplit.
   */
  validationData?:
    | readonly [DataInput, DataInput]
    | readonly [DataInput, DataInput, TensorLike]
    | BatchSource;
  /** Validation batch size (default batchSize; tensor data only). */
  validationBatchSize?: number;
  /**
   * Batches of validation data per validation (default: all of it). With a dataset the pass
   * runs on from one validation to the next, as in Keras.
   */
  validationSteps?: number;
  /**
   * Validate every this many epochs (default 1), or only after the listed epochs (1-based, as
   * Keras: `[1, 2, 10]`).
   */
  validationFreq?: number | readonly number[];
  /** Weight of each class index in the loss (single-output models). */
  classWeight?: Readonly<Record<number, number>>;
  /** Weight of each sample in the loss, shape [samples] (tensor data only). */
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
  /** Samples per batch (default 32; tensor data only). */
  batchSize?: number;
  sampleWeight?: TensorLike;
  /** Batches to evaluate (default: all; a dataset only). */
  steps?: number;
  /** 0 silent (default), 1 progress bar. */
  verbose?: 0 | 1;
  callbacks?: readonly (Callback | CallbackHooks)[];
}

/** Options of `predict`. */
export interface PredictArgs {
  /** Samples per batch (default 32; tensor data only). */
  batchSize?: number;
  /** Batches to predict (default: all; a dataset only). */
  steps?: number;
  callbacks?: readonly (Callback | CallbackHooks)[];
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
): TrainStepOutput {
  const st = state(model, 'trainStep');
  ensureBuilt(model, x);
  const vars = model.trainableWeights;
  let preds: Tensor[] = [];
  model.clearCallLosses();
  let value = null as Tensor | null;
  const { grads } = variableGrads(() => {
    preds = runModel(model, x, true);
    value = computeLoss(model, st, y, preds, sw);
    // Keras's `loss = self.optimizer.scale_loss(loss)`: the gradients are of the scaled loss.
    return st.optimizer instanceof LossScaleOptimizer ? st.optimizer.scaleLoss(value) : value;
  }, vars);
  st.optimizer.applyGradients(grads.map((g, i) => [g, vars[i]!] as const));
  model.applyConstraints();
  return { loss: value!.detach(), predictions: preds.map((p) => p.detach()) };
}

/**
 * The predictions the metrics need after a train step: the step's own, or (a custom step
 * that returned only its loss) a second forward pass, said once at verbose ≥ 1.
 */
function predictionsFor(
  model: Model,
  st: CompiledState,
  x: Tensor[],
  preds: Tensor[] | null,
  verbose: number,
): Tensor[] {
  if (preds) return preds;
  if (!st.metricSpecs.some((m) => m.length > 0)) return [];
  if (verbose >= 1 && !secondPassNoted.has(model)) {
    secondPassNoted.add(model);
    console.log(
      'fit: trainStep returned only its loss, so the metrics need a second forward pass per batch; return { loss, predictions } to avoid it',
    );
  }
  return noGrad(() => runModel(model, x, false));
}
const secondPassNoted = new WeakSet<Model>();

function checkPositiveInt(v: number, name: string, op: string): void {
  if (!Number.isInteger(v) || v < 1)
    throw new ValueError(`${op}: ${name} must be a positive integer, got ${v}`);
}

/** Refuses the tensor-data options that a dataset (already batched, shuffled by itself) has no use for. */
function checkDatasetOptions(
  args: Record<string, unknown>,
  names: readonly string[],
  op: string,
): void {
  for (const n of names) {
    if (args[n] !== undefined)
      throw new ValueError(
        `${op}: ${n} does not apply to a dataset (${
          n === 'batchSize' || n === 'validationBatchSize'
            ? 'batch it with dataset.batch(n)'
            : n === 'shuffle'
              ? 'shuffle it with dataset.shuffle(bufferSize)'
              : n === 'validationSplit'
                ? 'pass validationData instead'
                : 'yield [x, y, sampleWeight] batches instead'
        })`,
      );
  }
}

/** Whether to validate after `epoch` (0-based) under Keras's `validation_freq`. */
function validatesAfter(epoch: number, freq: FitArgs['validationFreq']): boolean {
  if (freq === undefined) return true;
  if (typeof freq === 'number') return (epoch + 1) % freq === 0;
  return freq.includes(epoch + 1);
}

function checkValidationFreq(freq: FitArgs['validationFreq']): void {
  if (freq === undefined) return;
  if (typeof freq === 'number') checkPositiveInt(freq, 'validationFreq', 'fit');
  else if (!Array.isArray(freq) || !freq.every((e) => Number.isInteger(e) && e >= 1))
    throw new ValueError(
      `fit: validationFreq must be a positive integer or a list of epoch numbers (1-based), got ${JSON.stringify(freq)}`,
    );
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

/**
 * Yields to the event loop once `YIELD_EVERY_MS` has passed since the last yield; the loops
 * of the asynchronous paths (a dataset's evaluate and predict, fit's validation) call it
 * after every batch. Awaiting a resolved promise alone is not enough: microtasks never let
 * timers or messages run.
 */
function pacer(): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    if (performance.now() - last <= YIELD_EVERY_MS) return undefined;
    return yieldToEventLoop().then(() => {
      last = performance.now();
    });
  };
}

/** Tensor data for `fit` (x, y, sample weights), after the checks made once. */
function fitTensors(
  model: Model,
  xIn: DataInput,
  yIn: DataInput,
  args: FitArgs,
): { x: Tensor[]; y: Tensor[]; sw: Tensor | null; n: number } {
  const x = toTensors(model, xIn, 'x', 'fit');
  const y = toTensors(model, yIn, 'y', 'fit');
  const nx = numSamples(x, 'x', 'fit');
  const ny = numSamples(y, 'y', 'fit');
  if (nx !== ny) throw new ValueError(`fit: x has ${nx} samples but y has ${ny}`);
  const sw = toSampleWeight(args.sampleWeight, nx, 'fit');
  // Once, before any step: a NaN here would otherwise train silently to NaN weights.
  checkData(model.inputNames, model.outputNames, x, y, sw, 'fit', args);
  return { x, y, sw, n: nx };
}

/** The validation adapter of `fit`: from validationData (tensors or a dataset), or null. */
function validationAdapter(model: Model, args: FitArgs, batchSize: number): DataAdapter | null {
  const vd = args.validationData;
  if (vd === undefined) return null;
  if (isBatchSource(vd))
    return new DatasetAdapter(model, vd, {
      needsTargets: true,
      op: 'fit (validationData)',
      checkFinite: !(args.allowNonFinite ?? false),
    });
  if (!Array.isArray(vd) || ![2, 3].includes((vd as readonly unknown[]).length))
    throw new ValueError(
      'fit: validationData must be [x, y], [x, y, sampleWeight] or a dataset of such batches',
    );
  const [vx, vy, vsw] = vd as readonly [DataInput, DataInput, TensorLike?];
  const vxs = toTensors(model, vx, 'x', 'fit (validationData)');
  const vys = toTensors(model, vy, 'y', 'fit (validationData)');
  const vn = numSamples(vxs, 'x', 'fit (validationData)');
  if (numSamples(vys, 'y', 'fit (validationData)') !== vn)
    throw new ValueError(`fit: validationData x has ${vn} samples but y has ${vys[0]!.shape[0]}`);
  const vswT = toSampleWeight(vsw, vn, 'fit', 'validationData sampleWeight');
  checkData(model.inputNames, model.outputNames, vxs, vys, vswT, 'fit', args, 'validationData');
  return new ArrayDataAdapter(vxs, vys, vswT, {
    batchSize: args.validationBatchSize ?? batchSize,
    shuffle: false,
  });
}

/**
 * Trains the model on tensors (`fit(x, y, args)`) or on a dataset of `[x, y]` batches
 * (`fit(dataset, args)`); see {@link FitArgs}.
 */
export async function fit(
  model: Model,
  xIn: DataInput | BatchSource,
  yIn?: DataInput | FitArgs,
  argsIn: FitArgs = {},
): Promise<History> {
  const st = state(model, 'fit');
  const fromDataset = isBatchSource(xIn);
  if (fromDataset && yIn !== undefined && !isRecord(yIn))
    throw new ValueError(
      'fit: y must not be given with a dataset (its batches hold the targets: yield [x, y])',
    );
  const args: FitArgs = fromDataset ? ((yIn as FitArgs | undefined) ?? argsIn) : argsIn;
  const epochs = args.epochs ?? 1;
  const batchSize = args.batchSize ?? 32;
  const initialEpoch = args.initialEpoch ?? 0;
  checkEpochs(epochs, initialEpoch, 'fit');
  checkPositiveInt(batchSize, 'batchSize', 'fit');
  if (args.validationBatchSize !== undefined)
    checkPositiveInt(args.validationBatchSize, 'validationBatchSize', 'fit');
  if (args.stepsPerEpoch !== undefined)
    checkPositiveInt(args.stepsPerEpoch, 'stepsPerEpoch', 'fit');
  if (args.validationSteps !== undefined)
    checkPositiveInt(args.validationSteps, 'validationSteps', 'fit');
  checkValidationFreq(args.validationFreq);
  if (args.classWeight) checkClassWeight(args.classWeight, 'fit', args.allowNonFinite ?? false);

  // A compiled step gathers each shuffled batch into its arena and takes it back afterwards.
  const gatherInto = <T>(fn: () => T): T => {
    const jit = st.jit?.train ?? null;
    return jit ? jit.inArena(fn) : fn();
  };
  let train: DataAdapter;
  let val: DataAdapter | null = null;
  if (fromDataset) {
    checkDatasetOptions(
      args as Record<string, unknown>,
      ['batchSize', 'shuffle', 'sampleWeight', 'validationSplit'],
      'fit',
    );
    const ds = new DatasetAdapter(model, xIn as BatchSource, {
      needsTargets: true,
      op: 'fit',
      checkFinite: !(args.allowNonFinite ?? false),
    });
    if (ds.infinite && args.stepsPerEpoch === undefined)
      throw new ValueError(
        'fit: the dataset is infinite (repeat() without a count); give stepsPerEpoch to say how many batches make an epoch',
      );
    train = ds;
    val = validationAdapter(model, args, batchSize);
  } else {
    let { x, y, sw, n: nx } = fitTensors(model, xIn as DataInput, yIn as DataInput, args);
    if (args.classWeight && y.length > 1)
      throw new ValueError('fit: classWeight is only supported for single-output models');
    if (args.validationData !== undefined) val = validationAdapter(model, args, batchSize);
    else if (args.validationSplit !== undefined) {
      const s = args.validationSplit;
      if (!(s > 0 && s < 1))
        throw new ValueError(`fit: validationSplit must be in (0, 1), got ${s}`);
      const at = Math.floor(nx * (1 - s));
      if (at < 1 || at >= nx)
        throw new ValueError(`fit: validationSplit ${s} of ${nx} samples leaves an empty split`);
      val = new ArrayDataAdapter(
        takeRows(x, [at, nx]),
        takeRows(y, [at, nx]),
        sw ? slice(sw, [at], [nx - at]) : null,
        { batchSize: args.validationBatchSize ?? batchSize, shuffle: false },
      );
      x = takeRows(x, [0, at]);
      y = takeRows(y, [0, at]);
      if (sw) sw = slice(sw, [0], [at]);
    }
    train = new ArrayDataAdapter(x, y, sw, {
      batchSize,
      shuffle: args.shuffle ?? true,
      gatherInto,
    });
  }
  const verbose = args.verbose ?? 1;
  let warned = false;
  const epochIt = new EpochIterator(train, {
    stepsPerEpoch: args.stepsPerEpoch,
    onRanOut: (seen) => {
      if (warned) return;
      warned = true;
      console.warn(
        `fit: the data ran out after ${seen} of stepsPerEpoch ${args.stepsPerEpoch} batches in an epoch; the next epoch starts a new pass over it (make sure stepsPerEpoch × epochs batches are available, e.g. with dataset.repeat())`,
      );
    },
  });
  const valIt = val ? new EpochIterator(val, { stepsPerEpoch: args.validationSteps }) : null;
  const history = new History();
  // User callbacks run before the progress bar so that what they add to the logs
  // (learning_rate) is printed; History comes last and records everything.
  const cbs: (Callback | CallbackHooks)[] = [...(args.callbacks ?? [])];
  if (verbose > 0) cbs.push(new ProgbarLogger({ verbose: verbose as 1 | 2 }));
  cbs.push(history);
  const params = {
    epochs,
    steps: epochIt.steps,
    verbose,
    samples: train.numSamples,
    batchSize: train.batchSize,
  };
  const callbacks = new CallbackList(cbs, model, params);
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
  try {
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
      epochIt.begin();
      const first = resumed?.step ?? 0;
      if (first > 0) await epochIt.skip(first);
      let logs: Logs = resumed?.logs ? { ...resumed.logs } : {};
      // Mid-epoch: dropout continues from the state after the last trained batch, and the
      // epoch's running means from their values then (applied once the metrics exist).
      if (resumed?.rngAtStep) g.setState(resumed.rngAtStep);
      let pendingRunning = resumed?.running ?? null;
      let step = first;
      for (; !model.stopTraining; step++) {
        const b = await epochIt.next();
        if (b === null) break;
        await callbacks.call('onTrainBatchBegin', step, { batch: step, size: b.size });
        const jitTrain = st.jit?.train ?? null;
        const bsw = combinedWeights(b.y[0]!, args.classWeight, b.sw);
        const out = runTrainStep(model, st, b.x, b.y, bsw);
        const loss = out.loss;
        reportFallbacks(st, verbose);
        const preds = predictionsFor(model, st, b.x, out.preds, verbose);
        if (pendingRunning) {
          ensureMetrics(st, b.y, preds);
          restoreRunningState(st, pendingRunning);
          pendingRunning = null;
        }
        logs = updateLogs(model, st, loss, b.y, preds, bsw, b.size);
        // Only this loop held a batch gathered from tensors, and a replayed step ran no user
        // code: recycle it. A dataset's batches may live on in its pipeline (cache()).
        if (train instanceof ArrayDataAdapter)
          jitTrain?.recycle([...b.x.filter((t) => !isText(t)), ...b.y, b.sw]);
        await callbacks.call('onTrainBatchEnd', step, logs);
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      if (step === 0 && !model.stopTraining)
        throw new ValueError(
          `fit: the training data gave no batches in epoch ${epoch + 1}${fromDataset ? ' (an exhausted one-shot iterator gives nothing the second time: pass a Dataset or a re-iterable)' : ''}`,
        );
      epochLogs = { ...logs };
      if (valIt && validatesAfter(epoch, args.validationFreq)) {
        const vlogs = await evaluateBatches(model, valIt, callbacks, 'fit (validationData)');
        for (const [k, v] of Object.entries(vlogs)) epochLogs[`val_${k}`] = v;
      }
      await callbacks.call('onEpochEnd', epoch, epochLogs);
      // A source of unknown length says how long its epochs are once one has run (Keras's bar
      // shows `N/Unknown` in the first epoch and a bar from the second).
      if (params.steps === null && args.stepsPerEpoch === undefined) params.steps = step;
      await yieldToEventLoop();
    }
  } finally {
    await epochIt.close();
    await valIt?.close();
  }
  await callbacks.call('onTrainEnd', epochLogs);
  clearProgress(model);
  (model as { history?: History }).history = history;
  return history;
}

/** The loss and metrics of one test batch, folded into the running logs. */
function testBatch(model: Model, st: CompiledState, b: Batch): Logs {
  const { loss, preds } = runTestStep(model, st, b.x, b.y, b.sw);
  return updateLogs(model, st, loss, b.y, preds, b.sw, b.size);
}

function evaluateArrays(model: Model, data: ArrayDataAdapter, callbacks: CallbackList | null): Logs;
function evaluateArrays(
  model: Model,
  data: ArrayDataAdapter,
  callbacks: CallbackList | null,
  pace: () => Promise<void> | undefined,
): Promise<Logs>;
/**
 * Evaluates tensors batch by batch: at once (evaluate on tensors), or, given a pacer (fit's
 * validation), as a promise that yields to the event loop between batches now and then.
 */
function evaluateArrays(
  model: Model,
  data: ArrayDataAdapter,
  callbacks: CallbackList | null,
  pace?: () => Promise<void> | undefined,
): Logs | Promise<Logs> {
  const st = state(model, 'evaluate');
  resetState(st);
  let logs: Logs = {};
  callbacks?.callSync('onTestBegin', {});
  const it = data.open();
  let step = 0;
  const run = (): Logs | Promise<Logs> => {
    for (;;) {
      const b = it.next() as Batch | null;
      if (b === null) break;
      callbacks?.callSync('onTestBatchBegin', step, { batch: step, size: b.size });
      logs = testBatch(model, st, b);
      callbacks?.callSync('onTestBatchEnd', step++, logs);
      const wait = pace?.();
      if (wait) return wait.then(run);
    }
    callbacks?.callSync('onTestEnd', logs);
    return logs;
  };
  const out = run();
  return pace ? Promise.resolve(out) : out;
}

/** Evaluates one epoch of an epoch iterator (a dataset, or validation data inside fit). */
async function evaluateBatches(
  model: Model,
  data: EpochIterator,
  callbacks: CallbackList | null,
  op: string,
): Promise<Logs> {
  if (data.adapter instanceof ArrayDataAdapter && data.opts.stepsPerEpoch === undefined)
    return evaluateArrays(model, data.adapter, callbacks, pacer());
  const st = state(model, 'evaluate');
  resetState(st);
  let logs: Logs = {};
  callbacks?.callSync('onTestBegin', {});
  data.begin();
  const pace = pacer();
  let step = 0;
  for (; ; step++) {
    const b = await data.next();
    if (b === null) break;
    ensureBuilt(model, b.x);
    callbacks?.callSync('onTestBatchBegin', step, { batch: step, size: b.size });
    logs = testBatch(model, st, b);
    callbacks?.callSync('onTestBatchEnd', step, logs);
    await pace();
  }
  if (step === 0) throw new ValueError(`${op}: the data gave no batches`);
  callbacks?.callSync('onTestEnd', logs);
  return logs;
}

/**
 * Loss and metrics over data in test mode: tensors (`evaluate(x, y, args)`, synchronous) or
 * a dataset of `[x, y]` batches (`evaluate(dataset, args)`, a promise).
 */
export function evaluate(model: Model, xIn: DataInput, yIn: DataInput, args?: EvaluateArgs): Logs;
export function evaluate(
  model: Model,
  xIn: BatchSource,
  args?: EvaluateArgs,
  unused?: EvaluateArgs,
): Promise<Logs>;
export function evaluate(
  model: Model,
  xIn: DataInput | BatchSource,
  yIn?: DataInput | EvaluateArgs,
  argsIn: EvaluateArgs = {},
): Logs | Promise<Logs> {
  if (isBatchSource(xIn)) {
    if (yIn !== undefined && !isRecord(yIn))
      throw new ValueError(
        'evaluate: y must not be given with a dataset (its batches hold the targets: yield [x, y])',
      );
    const args = (yIn as EvaluateArgs | undefined) ?? argsIn;
    state(model, 'evaluate');
    checkDatasetOptions(args as Record<string, unknown>, ['batchSize', 'sampleWeight'], 'evaluate');
    if (args.steps !== undefined) checkPositiveInt(args.steps, 'steps', 'evaluate');
    const adapter = new DatasetAdapter(model, xIn, {
      needsTargets: true,
      op: 'evaluate',
      checkFinite: !(args.allowNonFinite ?? false),
    });
    if (adapter.infinite && args.steps === undefined)
      throw new ValueError('evaluate: the dataset is infinite; give steps');
    const it = new EpochIterator(adapter, { stepsPerEpoch: args.steps });
    const list = testCallbacks(model, args, it.steps, null, null);
    return evaluateBatches(model, it, list, 'evaluate').finally(() => it.close());
  }
  const args = argsIn;
  const batchSize = args.batchSize ?? 32;
  checkPositiveInt(batchSize, 'batchSize', 'evaluate');
  const x = toTensors(model, xIn, 'x', 'evaluate');
  const y = toTensors(model, yIn as DataInput, 'y', 'evaluate');
  const n = numSamples(x, 'x', 'evaluate');
  if (numSamples(y, 'y', 'evaluate') !== n)
    throw new ValueError(`evaluate: x has ${n} samples but y has ${y[0]!.shape[0]}`);
  const sw = toSampleWeight(args.sampleWeight, n, 'evaluate');
  checkData(model.inputNames, model.outputNames, x, y, sw, 'evaluate', args);
  ensureBuilt(model, x);
  const list = testCallbacks(model, args, Math.ceil(n / batchSize), n, batchSize);
  return evaluateArrays(model, new ArrayDataAdapter(x, y, sw, { batchSize, shuffle: false }), list);
}

function testCallbacks(
  model: Model,
  args: EvaluateArgs,
  steps: number | null,
  samples: number | null,
  batchSize: number | null,
): CallbackList {
  const cbs: (Callback | CallbackHooks)[] = [...(args.callbacks ?? [])];
  if (args.verbose) cbs.unshift(new ProgbarLogger());
  return new CallbackList(cbs, model, {
    epochs: 1,
    steps,
    verbose: args.verbose ?? 0,
    samples,
    batchSize,
  });
}

/** Concatenates per-batch outputs into the model's outputs. */
function joinOutputs(model: Model, parts: Tensor[][]): Tensor | Tensor[] {
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
 * Model outputs, batch by batch, concatenated: for tensors (synchronous) or for a dataset
 * whose batches are `x`, `[x]` or `[x, y]` (a promise; y is ignored).
 */
export function predict(model: Model, xIn: DataInput, args?: PredictArgs): Tensor | Tensor[];
export function predict(
  model: Model,
  xIn: BatchSource,
  args?: PredictArgs,
): Promise<Tensor | Tensor[]>;
export function predict(
  model: Model,
  xIn: DataInput | BatchSource,
  args: PredictArgs = {},
): Tensor | Tensor[] | Promise<Tensor | Tensor[]> {
  if (isBatchSource(xIn)) return predictDataset(model, xIn, args);
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
      list.callSync('onPredictBatchBegin', step, { batch: step, size: hi - lo });
      parts.push(runPredictStep(model, takeRows(x, [lo, hi])));
      list.callSync('onPredictBatchEnd', step, {});
    }
  });
  list.callSync('onPredictEnd', {});
  return joinOutputs(model, parts);
}

async function predictDataset(
  model: Model,
  source: BatchSource,
  args: PredictArgs,
): Promise<Tensor | Tensor[]> {
  checkDatasetOptions(args as Record<string, unknown>, ['batchSize'], 'predict');
  if (args.steps !== undefined) checkPositiveInt(args.steps, 'steps', 'predict');
  const adapter = new DatasetAdapter(model, source, {
    needsTargets: false,
    op: 'predict',
    checkFinite: false,
  });
  if (adapter.infinite && args.steps === undefined)
    throw new ValueError('predict: the dataset is infinite; give steps');
  const it = new EpochIterator(adapter, { stepsPerEpoch: args.steps });
  const list = new CallbackList(args.callbacks ?? [], model, {
    epochs: 1,
    steps: it.steps,
    verbose: 0,
    samples: null,
    batchSize: null,
  });
  list.callSync('onPredictBegin', {});
  const parts: Tensor[][] = [];
  const pace = pacer();
  try {
    it.begin();
    for (let step = 0; ; step++) {
      const b = await it.next();
      if (b === null) break;
      list.callSync('onPredictBatchBegin', step, { batch: step, size: b.size });
      parts.push(noGrad(() => runPredictStep(model, b.x)));
      list.callSync('onPredictBatchEnd', step, {});
      await pace();
    }
  } finally {
    await it.close();
  }
  list.callSync('onPredictEnd', {});
  return joinOutputs(model, parts);
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
  const { loss, preds } = runTrainStep(model, st, x, y, sw);
  reportFallbacks(st, 0);
  return updateLogs(model, st, loss, y, predictionsFor(model, st, x, preds, 0), sw, n);
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
  return evaluateArrays(
    model,
    new ArrayDataAdapter(x, y, sw, { batchSize: n, shuffle: false }),
    null,
  );
}

/** Outputs for one batch. */
export function predictOnBatch(model: Model, xIn: DataInput): Tensor | Tensor[] {
  const x = toTensors(model, xIn, 'x', 'predictOnBatch');
  const outs = noGrad(() => runModel(model, x, false));
  return outs.length === 1 && !model.isMultiOutput ? outs[0]! : outs;
}
