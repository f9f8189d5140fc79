/**
 * Activation functions as differentiable ops, and softmax / logSoftmax along an axis. The
 * backward of each is written in terms of its output where that is cheaper and stabler
 * (sigmoid, tanh, softmax).
 */
import { record } from '../autograd/tape.js';
import { ValueError } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { normalizeAxis } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import {
  abs,
  add,
  binaryOp,
  cast,
  div,
  erf,
  exp,
  greater,
  less,
  logicalAnd,
  mul,
  square,
  sub,
  tanh as tanhOp,
  unaryOp,
  where,
} from './elementwise.js';
import { be, wrap } from './util.js';

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** max(x, 0); gradient 1 where x > 0. @example relu(tensor([-1, 2])) // [0, 2] */
export function relu(x: TensorLike): Tensor {
  return unaryOp('relu', x, 'relu', false, (xx, _y, dy) => reluGrad(xx, dy));
}

/**
 * relu's backward in one pass: `dy` where `x > 0`, else 0 (NaN in x gives 0), the same values
 * as `where(greater(x, 0), dy, 0)` without the mask. Differentiable like any op: to `dy` the
 * mask again, to `x` nothing (it is piecewise constant there).
 *
 * Shape: x and dy broadcast together.
 * @example reluGrad(tensor([-1, 2]), tensor([5, 5])) // [0, 5]
 */
export function reluGrad(x: TensorLike, dy: TensorLike): Tensor {
  return binaryOp('reluGrad', x, dy, 'reluGrad', 'arith', (xx, _d, _y, g) => [
    null,
    reluGrad(xx, g),
  ]);
}

/** min(max(x, 0), 6). @example relu6(tensor([-1, 3, 9])) // [0, 3, 6] */
export function relu6(x: TensorLike): Tensor {
  return unaryOp('relu6', x, 'relu6', false, (xx, _y, dy) =>
    where(logicalAnd(greater(xx, 0), less(xx, 6)), dy, 0),
  );
}

/**
 * x for x > 0, α·x otherwise (Keras 3's default negative slope α = 0.2).
 * @example leakyRelu(tensor([-1, 2]), 0.1) // [-0.1, 2]
 */
export function leakyRelu(x: TensorLike, alpha = 0.2): Tensor {
  checkNumber('leakyRelu', 'alpha', alpha);
  return unaryOp(
    'leakyRelu',
    x,
    'leakyRelu',
    true,
    (xx, _y, dy) => where(greater(xx, 0), dy, mul(dy, alpha)),
    alpha,
  );
}

/** x for x > 0, α·(eˣ − 1) otherwise; d/dx = y + α below 0. @example elu(tensor([0, 1])) // [0, 1] */
export function elu(x: TensorLike, alpha = 1): Tensor {
  checkNumber('elu', 'alpha', alpha);
  return unaryOp(
    'elu',
    x,
    'elu',
    true,
    (xx, y, dy) => where(greater(xx, 0), dy, mul(dy, add(y, alpha))),
    alpha,
  );
}

/**
 * scale·x for x > 0, scale·α·(eˣ − 1) otherwise, with α ≈ 1.6733 and scale ≈ 1.0507.
 * @example selu(tensor([1])) // [1.0507]
 */
export function selu(x: TensorLike): Tensor {
  return unaryOp('selu', x, 'selu', true, (xx, y, dy) =>
    where(greater(xx, 0), mul(dy, SELU_SCALE), mul(dy, add(y, SELU_SCALE * SELU_ALPHA))),
  );
}

/** σ(x) = 1 / (1 + e⁻ˣ); d/dx = y(1 − y). @example sigmoid(tensor([0])) // [0.5] */
export function sigmoid(x: TensorLike): Tensor {
  return unaryOp('sigmoid', x, 'sigmoid', true, (_x, y, dy) => mul(dy, mul(y, sub(1, y))));
}

/** tanh x; d/dx = 1 − y². @example tanh(tensor([0])) // [0] */
export function tanh(x: TensorLike): Tensor {
  return tanhOp(x);
}

/** ln(1 + eˣ), computed without overflow; d/dx = σ(x). @example softplus(tensor([0])) // [0.6931] */
export function softplus(x: TensorLike): Tensor {
  return unaryOp('softplus', x, 'softplus', true, (xx, _y, dy) => mul(dy, sigmoid(xx)));
}

/** x / (1 + |x|); d/dx = 1 / (1 + |x|)². @example softsign(tensor([1])) // [0.5] */
export function softsign(x: TensorLike): Tensor {
  return unaryOp('softsign', x, 'softsign', true, (xx, _y, dy) => div(dy, square(add(abs(xx), 1))));
}

const SQRT_2_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * GELU: x·Φ(x) with Φ the standard normal CDF (exact, via erf), or with `approximate` the tanh
 * form 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))). Keras's `activations.gelu` defaults to exact.
 * @example gelu(tensor([0])) // [0]
 */
export function gelu(x: TensorLike, approximate = false): Tensor {
  if (!approximate) {
    return unaryOp('gelu', x, 'gelu', true, (xx, _y, dy) => {
      // d/dx xΦ(x) = Φ(x) + x·φ(x)
      const cdf = mul(add(erf(mul(xx, Math.SQRT1_2)), 1), 0.5);
      const pdf = mul(exp(mul(square(xx), -0.5)), INV_SQRT_2PI);
      return mul(dy, add(cdf, mul(xx, pdf)));
    });
  }
  return unaryOp('geluTanh', x, 'gelu', true, (xx, _y, dy) => {
    const x2 = square(xx);
    const t = tanhOp(mul(add(xx, mul(mul(x2, xx), 0.044715)), SQRT_2_PI));
    const dt = mul(sub(1, square(t)), mul(add(mul(x2, 3 * 0.044715), 1), SQRT_2_PI));
    return mul(dy, add(mul(add(t, 1), 0.5), mul(mul(xx, dt), 0.5)));
  });
}

/** SiLU (swish): x·σ(x); d/dx = σ(x)(1 + x(1 − σ(x))). @example silu(tensor([0])) // [0] */
export function silu(x: TensorLike): Tensor {
  return unaryOp('silu', x, 'silu', true, (xx, _y, dy) => {
    const s = sigmoid(xx);
    return mul(dy, mul(s, add(mul(xx, sub(1, s)), 1)));
  });
}

/**
 * Softmax along `axis` (default last): exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x).
 * Backward: dx = y ⊙ (dy − Σ(dy ⊙ y)).
 *
 * Shape: same as x.
 * @example softmax(tensor([[1, 1]])) // [[0.5, 0.5]]
 */
export function softmax(x: TensorLike, axis = -1): Tensor {
  const t = floatInput(x, 'softmax');
  const ax = normalizeAxis(axis, t.rank, 'softmax');
  if (t.rank === 0) throw new ValueError('softmax: needs rank >= 1, got a scalar');
  const b = be();
  const y = wrap(b, b.softmax(t.handleOn(b), t.shape, ax, t.dtype), t.shape, t.dtype);
  return record('softmax', [t], y, (dy) => {
    const yd = mul(dy, y);
    return [sub(yd, mul(y, yd.sum(ax, true)))];
  });
}

/**
 * log softmax along `axis` (default last): (xᵢ − max x) − log Σⱼ exp(xⱼ − max x).
 * Backward: dx = dy − softmax(x) · Σ dy.
 *
 * Shape: same as x.
 * @example logSoftmax(tensor([[0, 0]])) // [[-0.6931, -0.6931]]
 */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  const t = floatInput(x, 'logSoftmax');
  if (t.rank === 0) throw new ValueError('logSoftmax: needs rank >= 1, got a scalar');
  const ax = normalizeAxis(axis, t.rank, 'logSoftmax');
  const b = be();
  const y = wrap(b, b.logSoftmax(t.handleOn(b), t.shape, ax, t.dtype), t.shape, t.dtype);
  return record('logSoftmax', [t], y, (dy) => [sub(dy, mul(exp(y), dy.sum(ax, true)))]);
}

function floatInput(x: TensorLike, op: string): Tensor {
  const t = convertToTensor(x, op, 'x');
  return isFloat(t.dtype) ? t : cast(t, 'float32');
}

function checkNumber(op: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ValueError(`${op}: ${name} must be a finite number, got ${v}`);
}
