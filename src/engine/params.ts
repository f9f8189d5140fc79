/**
 * Step parameters: the per-step host values of a compiled step (a learning rate from a
 * schedule, Adam's bias corrections, the iteration count). Eagerly they are plain numbers and
 * scalar tensors; while a step is traced, each one is recorded as a graph input that the
 * replayer recomputes on the host (a few flops) and feeds before every replay, and each host
 * side effect (the optimizer's step counter) is recorded to run again at every replay.
 *
 * Replay runs the recorded host actions in their traced order before the step's primitives.
 * That reproduces eager exactly as long as the computations read only host state that the
 * effects and the user (between steps) change, never tensor data.
 */
import { scalar } from '../ops/creation.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/** @internal What the tracer is told of each step parameter and host effect. */
export interface StepParamHook {
  /** A number passed to the next backend call: the call's argument holding it is fed at replay. */
  number(name: string, compute: () => number, value: number): void;
  /** A scalar tensor: the next backend call (its `fromArray`) is fed at replay. */
  scalar(name: string, compute: () => number, value: number): void;
  /** A host side effect, repeated at every replay. */
  effect(name: string, run: () => void): void;
}

let hook: StepParamHook | null = null;

/**
 * @internal Installs (or, with null, removes) the listener of step parameters; the step
 * tracer sets it while a step runs.
 * @example setStepParamHook({ number() {}, scalar() {}, effect() {} });
 */
export function setStepParamHook(h: StepParamHook | null): void {
  hook = h;
}

/**
 * A per-step host number that a backend primitive takes as an argument (e.g. the fused
 * Adam kernel's step size). Returns `compute()`. Call it right before the one backend call
 * that receives the value: while tracing, that call's argument equal to the value is fed a
 * fresh `compute()` at every replay.
 * @example
 * const alpha = stepNumber('adam.alpha', () => lr * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t));
 * backend.adamStep(p, g, m, v, n, { lr: alpha, beta1, beta2, epsilon }, 'float32');
 */
export function stepNumber(name: string, compute: () => number): number {
  const value = compute();
  hook?.number(name, compute, value);
  return value;
}

/**
 * A per-step host value as a scalar tensor of `dtype` (what `x.mul(value)` would make of a
 * number). While tracing, the tensor becomes a graph input recomputed at every replay.
 * @example const lr = stepScalar('sgd.lr', () => opt.currentLearningRate, 'float32'); g.mul(lr);
 */
export function stepScalar(name: string, compute: () => number, dtype: DType): Tensor {
  const value = compute();
  hook?.scalar(name, compute, value);
  return scalar(value, dtype);
}

/**
 * Runs a host side effect of a step (e.g. counting the step); while tracing, it is recorded
 * and runs again at every replay, in order with the step parameters.
 * @example stepEffect('iterations', () => { steps++; });
 */
export function stepEffect(name: string, run: () => void): void {
  run();
  hook?.effect(name, run);
}
