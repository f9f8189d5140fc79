/**
 * Activation functions by name, as Keras 3's `keras.activations`: `getActivation('relu')` gives
 * the function a layer applies, `serializeActivation(fn)` gives the name back for a config.
 * Every function is built from differentiable ops, so gradients come from autograd.
 *
 * Names are camelCase (`'leakyRelu'`, `'hardSigmoid'`); Keras's snake_case spellings
 * (`'leaky_relu'`, `'hard_sigmoid'`) are accepted on input, so configs written by Keras load.
 */
import { ValueError } from './errors.js';
import {
  elu as eluOp,
  gelu as geluOp,
  leakyRelu as leakyReluOp,
  relu6 as relu6Op,
  relu as reluOp,
  selu as seluOp,
  sigmoid as sigmoidOp,
  silu as siluOp,
  softmax as softmaxOp,
  softplus as softplusOp,
  softsign as softsignOp,
  tanh as tanhOp,
} from './ops/activation.js';
import { add, clip, div, exp, mul } from './ops/elementwise.js';
import { mish as mishOp } from './ops/numpy_extra4.js';
import { describeValue, resolveIdentifier } from './serialization.js';
import { type Tensor, type TensorLike, convertToTensor } from './tensor/tensor.js';

/** A function a layer applies elementwise (or, for softmax, along the last axis). */
export type ActivationFn = (x: Tensor) => Tensor;

/** The built-in activation names (camelCase; Keras 3's set of common activations). */
export type ActivationId =
  | 'linear'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'relu6'
  | 'leakyRelu'
  | 'elu'
  | 'selu'
  | 'gelu'
  | 'silu'
  | 'swish'
  | 'softplus'
  | 'softsign'
  | 'hardSigmoid'
  | 'hardSigmoidKeras2'
  | 'exponential'
  | 'mish'
  | 'softmax';

/** Keras's snake_case spellings of the built-in names, accepted on input. */
export type ActivationAlias = 'leaky_relu' | 'hard_sigmoid' | 'hard_sigmoid_keras2';

/**
 * What `getActivation` accepts: a built-in name or alias, the name of an activation registered
 * with `registerActivation`, a function (returned as is), or null / undefined (linear).
 */
export type ActivationIdentifier =
  | ActivationId
  | ActivationAlias
  | (string & {})
  | ActivationFn
  | null
  | undefined;

/**
 * The identity: returns `x` itself (Keras's `linear`, what `activation: undefined` means).
 *
 * Formula: f(x) = x.
 * @example activations.linear(tensor([-1, 2])) // [-1, 2]
 */
export function linear(x: TensorLike): Tensor {
  return convertToTensor(x, 'linear', 'x');
}

/**
 * Logistic sigmoid.
 *
 * Formula: f(x) = 1 / (1 + e⁻ˣ).
 * @example activations.sigmoid(tensor([0])) // [0.5]
 */
export function sigmoid(x: TensorLike): Tensor {
  return sigmoidOp(x);
}

/**
 * Hyperbolic tangent.
 *
 * Formula: f(x) = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ).
 * @example activations.tanh(tensor([0])) // [0]
 */
export function tanh(x: TensorLike): Tensor {
  return tanhOp(x);
}

/**
 * Rectified linear unit.
 *
 * Formula: f(x) = max(x, 0).
 * @example activations.relu(tensor([-1, 2])) // [0, 2]
 */
export function relu(x: TensorLike): Tensor {
  return reluOp(x);
}

/**
 * ReLU capped at 6.
 *
 * Formula: f(x) = min(max(x, 0), 6).
 * @example activations.relu6(tensor([-1, 3, 9])) // [0, 3, 6]
 */
export function relu6(x: TensorLike): Tensor {
  return relu6Op(x);
}

/**
 * Leaky ReLU with Keras 3's default negative slope 0.2 (TF.js and Keras 2 layers used 0.3).
 *
 * Formula: f(x) = x for x > 0, 0.2·x otherwise.
 * @example activations.leakyRelu(tensor([-1, 2])) // [-0.2, 2]
 */
export function leakyRelu(x: TensorLike): Tensor {
  return leakyReluOp(x, 0.2);
}

/**
 * Exponential linear unit with α = 1.
 *
 * Formula: f(x) = x for x > 0, eˣ − 1 otherwise.
 * @example activations.elu(tensor([-1, 2])) // [-0.6321, 2]
 */
export function elu(x: TensorLike): Tensor {
  return eluOp(x, 1);
}

/**
 * Scaled ELU (Klambauer et al., 2017), self-normalizing with LeCun-normal weights.
 *
 * Formula: f(x) = scale·x for x > 0, scale·α·(eˣ − 1) otherwise, α ≈ 1.67326, scale ≈ 1.05070.
 * @example activations.selu(tensor([1])) // [1.0507]
 */
export function selu(x: TensorLike): Tensor {
  return seluOp(x);
}

/**
 * Mish: x · tanh(softplus(x)), as Keras's `activations.mish`.
 *
 * Formula: f(x) = x · tanh(ln(1 + eˣ)).
 * @example activations.mish(tensor([1])) // [0.8651]
 */
export function mish(x: TensorLike): Tensor {
  return mishOp(x);
}

/**
 * Gaussian error linear unit, exact form (Keras 3's default `approximate = false`).
 *
 * Formula: f(x) = x·Φ(x) = x·(1 + erf(x/√2))/2.
 * @example activations.gelu(tensor([1])) // [0.8413]
 */
export function gelu(x: TensorLike): Tensor {
  return geluOp(x, false);
}

/**
 * Sigmoid linear unit, also called swish.
 *
 * Formula: f(x) = x·σ(x).
 * @example activations.silu(tensor([1])) // [0.7311]
 */
export function silu(x: TensorLike): Tensor {
  return siluOp(x);
}

/**
 * Swish: the same function as {@link silu} (serializes as `'silu'`, as in Keras).
 *
 * Formula: f(x) = x·σ(x).
 * @example activations.swish(tensor([1])) // [0.7311]
 */
export const swish = silu;

/**
 * Softplus, computed without overflow for large x.
 *
 * Formula: f(x) = ln(1 + eˣ).
 * @example activations.softplus(tensor([0])) // [0.6931]
 */
export function softplus(x: TensorLike): Tensor {
  return softplusOp(x);
}

/**
 * Softsign.
 *
 * Formula: f(x) = x / (1 + |x|).
 * @example activations.softsign(tensor([1])) // [0.5]
 */
export function softsign(x: TensorLike): Tensor {
  return softsignOp(x);
}

/**
 * Hard sigmoid as Keras 3 defines it (Keras 2 used the steeper clip(0.2x + 0.5, 0, 1)).
 *
 * Formula: f(x) = relu6(x + 3) / 6, i.e. 0 for x ≤ −3, 1 for x ≥ 3, x/6 + 1/2 between.
 * @example activations.hardSigmoid(tensor([-4, 0, 1.5])) // [0, 0.5, 0.75]
 */
export function hardSigmoid(x: TensorLike): Tensor {
  return div(relu6Op(add(x, 3)), 6);
}

/**
 * Hard sigmoid as Keras 2 and TensorFlow.js define it: the steeper, piecewise-linear variant
 * that TF.js's LSTM and GRU use by default (`recurrentActivation: 'hardSigmoid'`). Loading a
 * TF.js model or a Keras 2 `.h5` file maps their `hard_sigmoid` to this function, so that their
 * outputs are reproduced; Keras 3 has no such activation, so a `.keras` file cannot hold it.
 *
 * Formula: f(x) = clip(0.2·x + 0.5, 0, 1), i.e. 0 for x ≤ −2.5, 1 for x ≥ 2.5, 0.2·x + 0.5
 * between (computed as TF.js does: multiply, add, then clip). The gradient is 0.2 inside
 * [−2.5, 2.5] and 0 outside.
 * @example activations.hardSigmoidKeras2(tensor([-3, 0, 1])) // [0, 0.5, 0.7]
 */
export function hardSigmoidKeras2(x: TensorLike): Tensor {
  return clip(add(mul(x, 0.2), 0.5), 0, 1);
}

/**
 * The exponential.
 *
 * Formula: f(x) = eˣ.
 * @example activations.exponential(tensor([0, 1])) // [1, 2.7183]
 */
export function exponential(x: TensorLike): Tensor {
  return exp(x);
}

/**
 * Softmax over the last axis (a rank-1 input: over its only axis; a scalar is refused).
 *
 * Formula: f(x)ᵢ = exp(xᵢ) / Σⱼ exp(xⱼ), computed as exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x).
 * @example activations.softmax(tensor([[0, 0]])) // [[0.5, 0.5]]
 */
export function softmax(x: TensorLike): Tensor {
  return softmaxOp(x, -1);
}

const BUILTINS: Readonly<Record<ActivationId, ActivationFn>> = {
  linear,
  sigmoid,
  tanh,
  relu,
  relu6,
  leakyRelu,
  elu,
  selu,
  gelu,
  silu,
  swish,
  softplus,
  softsign,
  hardSigmoid,
  hardSigmoidKeras2,
  exponential,
  mish,
  softmax,
};

const ALIASES: Readonly<Record<ActivationAlias, ActivationId>> = {
  leaky_relu: 'leakyRelu',
  hard_sigmoid: 'hardSigmoid',
  hard_sigmoid_keras2: 'hardSigmoidKeras2',
};

const BUILTIN_IDS = Object.keys(BUILTINS) as ActivationId[];

/** Functions to names for serialization; built-ins keep their first (canonical) name. */
const NAMES = new Map<ActivationFn, string>();
for (const id of BUILTIN_IDS) {
  const fn = BUILTINS[id];
  if (!NAMES.has(fn)) NAMES.set(fn, id);
}
// The raw ops take extra parameters whose defaults equal Keras's (slope 0.2, α 1, exact gelu,
// last axis), so a layer given the op directly computes the same thing and can be saved by name.
const OP_NAMES: [ActivationFn, ActivationId][] = [
  [reluOp, 'relu'],
  [relu6Op, 'relu6'],
  [leakyReluOp, 'leakyRelu'],
  [eluOp, 'elu'],
  [seluOp, 'selu'],
  [sigmoidOp, 'sigmoid'],
  [tanhOp, 'tanh'],
  [softplusOp, 'softplus'],
  [softsignOp, 'softsign'],
  [geluOp, 'gelu'],
  [siluOp, 'silu'],
  [softmaxOp, 'softmax'],
  [exp, 'exponential'],
];
for (const [fn, id] of OP_NAMES) NAMES.set(fn, id);

const CUSTOM = new Map<string, ActivationFn>();

/** The built-ins as the shared resolver's factories (an activation is its own instance). */
const BUILTIN_FACTORIES: Readonly<Record<string, () => ActivationFn>> = Object.fromEntries(
  Object.entries(BUILTINS).map(([k, f]) => [k, () => f]),
);

function isBuiltinName(id: string): boolean {
  return Object.hasOwn(BUILTINS, id) || Object.hasOwn(ALIASES, id);
}

function validNames(): string {
  return [...BUILTIN_IDS, ...Object.keys(ALIASES), ...CUSTOM.keys()].join(', ');
}

/**
 * Registers a custom activation under `id`, so that `getActivation(id)` finds it and
 * `serializeActivation(fn)` names it. Registering an id again replaces the earlier function;
 * built-in names cannot be taken.
 *
 * Formula: none (it stores `id ↔ fn`).
 * @example
 * const square: ActivationFn = (x) => x.square();
 * registerActivation('square', square);
 * getActivation('square') === square; // true
 */
export function registerActivation(id: string, fn: ActivationFn): void {
  if (typeof id !== 'string' || id.length === 0) {
    throw new ValueError(
      `registerActivation: id must be a non-empty string, got ${JSON.stringify(id)}`,
    );
  }
  if (isBuiltinName(id)) {
    throw new ValueError(
      `registerActivation: '${id}' is a built-in activation and cannot be replaced`,
    );
  }
  if (typeof fn !== 'function') {
    throw new ValueError(`registerActivation: '${id}' needs a function, got ${typeof fn}`);
  }
  const previous = CUSTOM.get(id);
  if (previous !== undefined && NAMES.get(previous) === id) NAMES.delete(previous);
  CUSTOM.set(id, fn);
  // A built-in function registered under a second name still serializes under its own name.
  if (!NAMES.has(fn)) NAMES.set(fn, id);
}

/**
 * The activation function for an identifier, as Keras's `activations.get`: a name gives the
 * built-in or registered function, a function is returned as is, null / undefined give
 * {@link linear}.
 *
 * Formula: none (a lookup).
 * @example
 * getActivation('relu')(tensor([-1, 2])); // [0, 2]
 * getActivation('leaky_relu') === getActivation('leakyRelu'); // true
 * getActivation(undefined) === activations.linear; // true
 */
export function getActivation(id: ActivationIdentifier): ActivationFn {
  return resolveIdentifier<ActivationFn>(
    {
      fn: 'getActivation',
      category: 'activation',
      what: 'an activation function',
      // Functions come through fromFunction: every function is an activation.
      isInstance: (_v): _v is ActivationFn => false,
      ids: BUILTIN_FACTORIES,
      aliases: ALIASES,
      fromName: (name) => CUSTOM.get(name),
      fromFunction: (f) => f as unknown as ActivationFn,
      fromNullish: () => linear,
      validText: () => `valid: ${validNames()}`,
    },
    id,
  );
}

/**
 * The name under which an activation function is saved in a config: its built-in id (camelCase),
 * or the id it was registered under. Unknown functions are refused, since a config that named
 * them could not be loaded.
 *
 * Formula: none (the inverse of {@link getActivation} on names).
 * @example
 * serializeActivation(activations.hardSigmoid); // 'hardSigmoid'
 * serializeActivation(getActivation('swish')); // 'silu'
 */
/**
 * The activation a fused layer epilogue can apply for `fn` ('linear' or 'relu', the built-in
 * functions under those names), or null.
 * @example fusableActivation(getActivation('relu')) // 'relu'
 */
export function fusableActivation(fn: ActivationFn): 'linear' | 'relu' | null {
  const id = NAMES.get(fn);
  return id === 'relu' || id === 'linear' ? id : null;
}

export function serializeActivation(fn: ActivationFn): ActivationId | (string & {}) {
  if (typeof fn !== 'function') {
    throw new ValueError(`serializeActivation: expected a function, got ${describeValue(fn)}`);
  }
  const id = NAMES.get(fn);
  if (id === undefined) {
    throw new ValueError(
      `serializeActivation: unknown activation function '${fn.name || '<anonymous>'}'; register it with registerActivation(id, fn) so that configs can name it`,
    );
  }
  return id;
}
