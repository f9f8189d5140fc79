/**
 * Keras 3 `keras.ops` numpy-style ops, part 4: the Keras-named activation ops that Tessera's
 * activation module lacks (hard SiLU, hard tanh, log-sigmoid, CELU, GLU, the shrink functions,
 * squareplus, sparse plus and sigmoid, threshold), as composites of existing ops.
 */
import { ValueError } from '../errors.js';
import { normalizeAxes } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { relu6, sigmoid, softplus, tanh } from './activation.js';
import {
  abs,
  add,
  clip,
  div,
  expm1,
  greater,
  less,
  lessEqual,
  maximum,
  minimum,
  mul,
  neg,
  sqrt,
  square,
  sub,
  where,
} from './elementwise.js';
import { split } from './movement.js';
import { toFloat } from './numpy_extra.js';

// ---------------------------------------------------------------- activations

/**
 * Hard SiLU (hard swish): x · relu6(x + 3) / 6.
 *
 * Shape: same as x (float).
 * @example hardSilu(tensor([-4, 0, 1])) // [0, 0, 0.6667]
 */
export function hardSilu(x: TensorLike): Tensor {
  const t = toFloat(x, 'hardSilu');
  return mul(t, div(relu6(add(t, 3)), 6));
}

/** Keras `hard_swish`: alias of {@link hardSilu}. @example hardSwish(tensor([1])) // [0.6667] */
export const hardSwish: (x: TensorLike) => Tensor = (x) => hardSilu(x);

/** Hard tanh: clip(x, −1, 1). Shape: same as x (float). @example hardTanh(tensor([-2, 0.5])) // [-1, 0.5] */
export function hardTanh(x: TensorLike): Tensor {
  return clip(toFloat(x, 'hardTanh'), -1, 1);
}

/** log σ(x) = −softplus(−x), stable for large |x|. Shape: same as x (float). @example logSigmoid(tensor([0])) // [-0.6931] */
export function logSigmoid(x: TensorLike): Tensor {
  return neg(softplus(neg(toFloat(x, 'logSigmoid'))));
}

/**
 * Continuously differentiable ELU.
 *
 * Formula: celu(x) = max(0, x) + min(0, α (e^(x/α) − 1)).
 *
 * Shape: same as x (float).
 * @example celu(tensor([-1, 2])) // [-0.6321, 2]
 */
export function celu(x: TensorLike, alpha = 1): Tensor {
  if (alpha === 0) throw new ValueError('celu: alpha must be nonzero');
  const t = toFloat(x, 'celu');
  return add(maximum(t, 0), minimum(mul(expm1(div(t, alpha)), alpha), 0));
}

/**
 * Gated linear unit: splits `axis` into halves a and b and returns a · σ(b).
 *
 * Shape: x's shape with `axis` halved (it must be even).
 * @example glu(tensor([1, 0])) // [0.5]
 */
export function glu(x: TensorLike, axis = -1): Tensor {
  const t = toFloat(x, 'glu');
  const ax = normalizeAxes(axis, t.rank, 'glu')[0]!;
  if (t.shape[ax]! % 2 !== 0)
    throw new ValueError(`glu: axis ${ax} has odd length ${t.shape[ax]}; it must split in two`);
  const [a, b] = split(t, 2, ax);
  return mul(a!, sigmoid(b!));
}

/**
 * Soft shrinkage: x − t above t, x + t below −t, 0 between.
 *
 * Shape: same as x (float).
 * @example softShrink(tensor([-1, 0.2, 1])) // [-0.5, 0, 0.5]
 */
export function softShrink(x: TensorLike, threshold = 0.5): Tensor {
  const t = toFloat(x, 'softShrink');
  return where(
    greater(t, threshold),
    sub(t, threshold),
    where(less(t, -threshold), add(t, threshold), 0),
  );
}

/** Hard shrinkage: x where |x| > t, else 0. Shape: same as x (float). @example hardShrink(tensor([-1, 0.2])) // [-1, 0] */
export function hardShrink(x: TensorLike, threshold = 0.5): Tensor {
  const t = toFloat(x, 'hardShrink');
  return where(greater(abs(t), threshold), t, 0);
}

/** x − tanh x. Shape: same as x (float). @example tanhShrink(tensor([0])) // [0] */
export function tanhShrink(x: TensorLike): Tensor {
  const t = toFloat(x, 'tanhShrink');
  return sub(t, tanh(t));
}

/**
 * Mish, a self-regularised smooth activation.
 *
 * Formula: mish(x) = x · tanh(softplus(x)) = x · tanh(ln(1 + eˣ)).
 *
 * Shape: same as x (float).
 * @example mish(tensor([0, 1])) // [0, 0.8651]
 */
export function mish(x: TensorLike): Tensor {
  const t = toFloat(x, 'mish');
  return mul(t, tanh(softplus(t)));
}

/**
 * Squareplus, a smooth ReLU.
 *
 * Formula: squareplus(x) = (x + √(x² + b)) / 2.
 *
 * Shape: same as x (float).
 * @example squareplus(tensor([0])) // [1]
 */
export function squareplus(x: TensorLike, b = 4): Tensor {
  if (b < 0) throw new ValueError(`squareplus: b must be >= 0, got ${b}`);
  const t = toFloat(x, 'squareplus');
  return mul(add(t, sqrt(add(square(t), b))), 0.5);
}

/**
 * Sparse plus: 0 for x ≤ −1, (x + 1)²/4 for −1 < x < 1, x for x ≥ 1.
 *
 * Shape: same as x (float).
 * @example sparsePlus(tensor([-2, 0, 2])) // [0, 0.25, 2]
 */
export function sparsePlus(x: TensorLike): Tensor {
  const t = toFloat(x, 'sparsePlus');
  return where(lessEqual(t, -1), 0, where(less(t, 1), mul(square(add(t, 1)), 0.25), t));
}

/**
 * Sparse sigmoid: 0 for x ≤ −1, (x + 1)/2 for −1 < x < 1, 1 for x ≥ 1.
 *
 * Shape: same as x (float).
 * @example sparseSigmoid(tensor([-2, 0, 2])) // [0, 0.5, 1]
 */
export function sparseSigmoid(x: TensorLike): Tensor {
  const t = toFloat(x, 'sparseSigmoid');
  return where(lessEqual(t, -1), 0, where(less(t, 1), mul(add(t, 1), 0.5), 1));
}

/**
 * Keeps x where x > threshold and puts `defaultValue` elsewhere.
 *
 * Shape: same as x.
 * @example threshold(tensor([1, 3]), 2, 0) // [0, 3]
 */
export function threshold(x: TensorLike, thresholdValue: number, defaultValue: number): Tensor {
  const t = convertToTensor(x, 'threshold', 'x');
  return where(greater(t, thresholdValue), t, defaultValue);
}
