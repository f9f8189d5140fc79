/**
 * The compiled steps of the trainer: the train, test and predict steps run through the
 * engine's `CompiledStep` when `jitCompile` asks, and what compiling them gave.
 */
import { variableGrads } from '../autograd/grad.js';
import { noGrad } from '../autograd/tape.js';
import type { CompiledStepInfo } from '../engine/step.js';
import { ValueError } from '../errors.js';
import { LossScaleOptimizer } from '../optimizers/loss_scale_optimizer.js';
import { Tensor } from '../tensor/tensor.js';
import {
  type CompiledState,
  computeLoss,
  ensureBuilt,
  outputCount,
  runModel,
  stepSummary,
} from './compile_state.js';
import { isText } from './data_adapters.js';
import { withPrecomputed } from './functional.js';
import type { Model, TrainStepOutput } from './model.js';

/**
 * What compiling the steps gave: per step and input signature, the compiled graphs with what
 * the passes did, and the fallbacks to eager with their reasons (empty lists when
 * `jitCompile` is false).
 * @example compiledStepInfo(model).train.fallbacks // [{ signature, reason }]
 */
export function compiledStepInfo(model: Model): {
  train: CompiledStepInfo;
  test: CompiledStepInfo;
  predict: CompiledStepInfo;
} {
  const jit = model.compiled?.jit;
  const empty = (step: string): CompiledStepInfo => ({ step, compiled: [], fallbacks: [] });
  return {
    train: jit ? jit.train.info() : empty('trainStep'),
    test: jit ? jit.test.info() : empty('testStep'),
    predict: jit ? jit.predict.info() : empty('predictStep'),
  };
}

/**
 * Prints each new fallback reason once, at verbose ≥ 1.
 * @example reportFallbacks(state(model, 'fit'), 1);
 */
export function reportFallbacks(st: CompiledState, verbose: number): void {
  if (!st.jit) return;
  for (const s of [st.jit.train, st.jit.test, st.jit.predict]) {
    while (s.unreported.length) {
      const why = s.unreported.shift()!;
      if (verbose >= 1) console.log(`jitCompile: ${s.name} runs eagerly: ${why}`);
    }
  }
}

/**
 * A batch with text inputs, split for a compiled step: the text layers at the model's entry
 * run now on the host, and the step is traced from where the text became numbers. `device`
 * holds the numeric inputs and then those boundary values; `run` calls a step on their traced
 * stand-ins with the model's full inputs (the text passes through untouched).
 */
interface TextSplit {
  device: Tensor[];
  run<R>(ins: readonly Tensor[], fn: (xs: Tensor[]) => R): R;
}

/** Splits off the text of `x`: null without text, the reason when the model cannot be split. */
function splitText(model: Model, x: readonly Tensor[]): TextSplit | string | null {
  if (!x.some(isText)) return null;
  const h = noGrad(() => model.hostPrefix(x));
  if ('reason' in h) return `its text inputs cannot be split off (${h.reason})`;
  const numeric = x.flatMap((t, i) => (isText(t) ? [] : [i]));
  return {
    device: [...numeric.map((i) => x[i]!), ...h.values],
    run: (ins, fn) => {
      const full = [...x];
      numeric.forEach((xi, k) => {
        full[xi] = ins[k]!;
      });
      const given = new Map(h.boundary.map((s, j) => [s, ins[numeric.length + j]!] as const));
      return withPrecomputed(given, () => fn(full));
    },
  };
}

/** The step's device inputs and how to call the model on their stand-ins. */
function deviceInputs(
  split: TextSplit | null,
  x: Tensor[],
): { dev: Tensor[]; within: <R>(ins: readonly Tensor[], fn: (xs: Tensor[]) => R) => R } {
  if (!split) return { dev: x, within: (ins, fn) => fn([...ins]) };
  return { dev: split.device, within: (ins, fn) => split.run(ins, fn) };
}

/** Whether `model.trainStep` is the default one (not overridden by a subclass or instance). */
function usesDefaultTrainStep(model: Model): boolean {
  if (Object.hasOwn(model, 'trainStep')) return false;
  let nearest: object | null = null;
  let root: object | null = null;
  for (let p = Object.getPrototypeOf(model); p; p = Object.getPrototypeOf(p)) {
    if (Object.hasOwn(p, 'trainStep')) {
      nearest ??= p;
      root = p;
    }
  }
  return nearest === root;
}

/**
 * One training step, compiled when `jitCompile` asks: traced whole (forward, backward, the
 * optimizer update with its per-step host values as step parameters, BatchNorm statistics),
 * a custom trainStep too. Where the optimizer cannot be traced (`compiledUpdateBlocker`), the
 * default trainStep compiles its forward, loss and gradients and updates eagerly.
 * @example const loss = runTrainStep(model, state(model, 'fit'), [x], [y], null);
 */
export function runTrainStep(
  model: Model,
  st: CompiledState,
  x: Tensor[],
  y: Tensor[],
  sw: Tensor | null,
): { loss: Tensor; preds: Tensor[] | null } {
  if (!st.jit) return stepOutput(model.trainStep(x, y, sw));
  const split = splitText(model, x);
  if (typeof split === 'string') {
    st.jit.train.noteEagerPart(`the whole step: ${split}`);
    return stepOutput(model.trainStep(x, y, sw));
  }
  const { dev, within } = deviceInputs(split, x);
  const inputs = sw ? [...dev, ...y, sw] : [...dev, ...y];
  const key = `train:${dev.length}:${y.length}:${sw ? 1 : 0}`;
  const opt = st.optimizer;
  const custom = !usesDefaultTrainStep(model);
  const blocker = custom ? null : opt.compiledUpdateBlocker();
  if (blocker === null) {
    if (!custom) {
      ensureBuilt(model, x);
      // Slots before the first trace, so every traced call sees the same variables; eager
      // builds the same slots from the same list in its first applyGradients.
      opt.build(model.trainableWeights);
    }
    const nOut = custom ? 0 : outputCount(model);
    const customKey = `${key}:custom:${opt.iterations > 0 ? 1 : 0}`;
    const outs = st.jit.train.call(
      inputs,
      // The optimizer's slots are variables of the step: their new values are bound after
      // each replay.
      () => [...model.weights, ...opt.slotVariables],
      (ins) => {
        const ys = ins.slice(dev.length, dev.length + y.length);
        const w = sw ? ins[ins.length - 1]! : null;
        const r = within(ins.slice(0, dev.length), (xs) => stepOutput(model.trainStep(xs, ys, w)));
        if (custom) {
          // A custom step's predictions, when it returns them, are outputs of the graph too.
          customReturnsPreds.set(customKey, r.preds !== null);
          return [r.loss, ...(r.preds ?? [])];
        }
        // The loss, output losses and metric statistics as one output: one read per step.
        const preds = r.preds ?? [];
        const summary = stepSummary(st, r.loss, ys, preds, w);
        return [r.loss, summary, ...preds, ...st.stepOutputLosses];
      },
      custom ? customKey : `${key}:whole`,
    );
    if (custom)
      return { loss: outs[0]!, preds: customReturnsPreds.get(customKey) ? outs.slice(1) : null };
    st.stepSummary = outs[1]!;
    st.stepOutputLosses = outs.slice(2 + nOut);
    return { loss: outs[0]!, preds: outs.slice(2, 2 + nOut) };
  }
  st.jit.train.noteEagerPart(`the optimizer update: ${blocker}`);
  ensureBuilt(model, x);
  const vars = model.trainableWeights;
  const nOut = outputCount(model);
  const jit = st.jit;
  const maskKey = `${key}:${vars.map((v) => v.id).join(',')}`;
  const outs = jit.train.call(
    inputs,
    () => model.weights,
    (ins) => {
      const ys = ins.slice(dev.length, dev.length + y.length);
      const w = sw ? ins[ins.length - 1]! : null;
      let preds: Tensor[] = [];
      model.clearCallLosses();
      let loss = null as Tensor | null;
      const { grads } = variableGrads(() => {
        preds = within(ins.slice(0, dev.length), (xs) => runModel(model, xs, true));
        loss = computeLoss(model, st, ys, preds, w);
        // As the default trainStep: the gradients are of the scaled loss (a step parameter).
        return opt instanceof LossScaleOptimizer ? opt.scaleLoss(loss) : loss;
      }, vars);
      const value = loss!.detach();
      // A variable the loss does not reach gets no gradient (the optimizer skips it): such
      // holes are not outputs of the graph, and the mask says where they are.
      jit.noGrad.set(
        maskKey,
        grads.map((g) => g === null),
      );
      const present = grads.filter((g): g is Tensor => g !== null);
      const detached = preds.map((p) => p.detach());
      const summary = stepSummary(st, value, ys, detached, w);
      return [value, summary, ...present, ...detached, ...st.stepOutputLosses];
    },
    key,
  );
  const mask = jit.noGrad.get(maskKey)!;
  const nGrad = mask.filter((m) => !m).length;
  let k = 2;
  const grads = mask.map((none) => (none ? null : outs[k++]!));
  st.stepSummary = outs[1]!;
  st.stepOutputLosses = outs.slice(2 + nGrad + nOut);
  st.optimizer.applyGradients(grads.map((g, i) => [g, vars[i]!] as const));
  model.applyConstraints();
  return { loss: outs[0]!, preds: outs.slice(2 + nGrad, 2 + nGrad + nOut) };
}

/** Whether a custom trainStep traced under a key returned its predictions. */
const customReturnsPreds = new Map<string, boolean>();

/** A trainStep's result as loss and predictions (null: it returned only the loss). */
function stepOutput(r: Tensor | TrainStepOutput): { loss: Tensor; preds: Tensor[] | null } {
  if (r instanceof Tensor) return { loss: r, preds: null };
  if (!r || !(r.loss instanceof Tensor))
    throw new ValueError(
      `trainStep must return the loss tensor or { loss, predictions }, got ${r === null ? 'null' : typeof r}`,
    );
  return { loss: r.loss, preds: r.predictions ?? null };
}

/**
 * The loss and predictions of one test batch, compiled when `jitCompile` asks.
 * @example const { loss, preds } = runTestStep(model, st, [x], [y], null);
 */
export function runTestStep(
  model: Model,
  st: CompiledState,
  x: Tensor[],
  y: Tensor[],
  sw: Tensor | null,
): { loss: Tensor; preds: Tensor[] } {
  const step = (xs: Tensor[], ys: Tensor[], w: Tensor | null) =>
    noGrad(() => {
      model.clearCallLosses();
      const p = runModel(model, xs, false);
      return { loss: computeLoss(model, st, ys, p, w), preds: p };
    });
  if (!st.jit) return step(x, y, sw);
  const split = splitText(model, x);
  if (typeof split === 'string') {
    st.jit.test.noteEagerPart(`the whole step: ${split}`);
    return step(x, y, sw);
  }
  const { dev, within } = deviceInputs(split, x);
  const nOut = outputCount(model);
  const outs = st.jit.test.call(
    sw ? [...dev, ...y, sw] : [...dev, ...y],
    () => model.weights,
    (ins) => {
      const ys = ins.slice(dev.length, dev.length + y.length);
      const w = sw ? ins[ins.length - 1]! : null;
      const r = within(ins.slice(0, dev.length), (xs) => step(xs, ys, w));
      const summary = stepSummary(st, r.loss, ys, r.preds, w);
      return [r.loss, summary, ...r.preds, ...st.stepOutputLosses];
    },
    `test:${dev.length}:${y.length}:${sw ? 1 : 0}`,
  );
  st.stepSummary = outs[1]!;
  st.stepOutputLosses = outs.slice(2 + nOut);
  return { loss: outs[0]!, preds: outs.slice(2, 2 + nOut) };
}

/**
 * The outputs of one predict batch, compiled when `jitCompile` asks.
 * @example const [pred] = runPredictStep(model, [x]);
 */
export function runPredictStep(model: Model, x: Tensor[]): Tensor[] {
  const jit = model.compiled?.jit;
  if (!jit) return runModel(model, x, false);
  const split = splitText(model, x);
  if (typeof split === 'string') {
    jit.predict.noteEagerPart(`the whole step: ${split}`);
    return runModel(model, x, false);
  }
  const { dev, within } = deviceInputs(split, x);
  return jit.predict.call(
    dev,
    () => model.weights,
    (ins) => within(ins, (xs) => noGrad(() => runModel(model, xs, false))),
    `predict:${dev.length}`,
  );
}
