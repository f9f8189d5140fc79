import { record } from '../autograd/tape.js';
/**
 * Reductions over axes, with `keepDims`: sum, mean, max, min, prod, any, all, argmax, argmin,
 * logSumExp, variance, std. `axis` undefined reduces over every axis.
 */
import type { ArgReduceOp, ReduceOp } from '../backend/backend.js';
import { DTypeError, ValueError } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { normalizeAxes, normalizeAxis } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { cast, div, equal, exp, mul, sqrt, square, sub, where } from './elementwise.js';
import { be, wrap } from './util.js';

type Axis = number | readonly number[] | undefined;

/** Shape after reducing `axes`, with or without the reduced axes kept as 1. */
function reducedShape(
  shape: readonly number[],
  axes: readonly number[],
  keepDims: boolean,
): number[] {
  return keepDims
    ? shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : shape.filter((_, i) => !axes.includes(i));
}

/** Brings a reduced gradient (or value) back to the input's rank, ready to broadcast. */
function expandReduced(g: Tensor, shape: readonly number[], axes: readonly number[]): Tensor {
  return g.reshape(reducedShape(shape, axes, true));
}

function reduceOp(
  op: ReduceOp,
  xIn: TensorLike,
  axis: Axis,
  keepDims: boolean,
  name: string,
  grad: ((x: Tensor, yKept: Tensor, dyKept: Tensor, axes: number[]) => Tensor) | null,
): Tensor {
  let x = convertToTensor(xIn, name, 'x');
  const axes = normalizeAxes(axis, x.rank, name);
  if (op === 'any' || op === 'all') {
    if (x.dtype !== 'bool') x = cast(x, 'bool');
  } else if (x.dtype === 'bool') {
    x = cast(x, 'int32');
  }
  if ((op === 'max' || op === 'min') && x.size === 0 && axes.some((a) => x.shape[a] === 0)) {
    throw new ValueError(`${name}: cannot reduce an empty axis of shape [${x.shape.join(', ')}]`);
  }
  const b = be();
  const h = b.reduce(op, x.handleOn(b), x.shape, axes, x.dtype, x.dtype);
  const y = wrap(b, h, reducedShape(x.shape, axes, keepDims), x.dtype);
  if (!grad) return y;
  return record(name, [x], y, (dy) => [
    grad(x, expandReduced(y, x.shape, axes), expandReduced(dy, x.shape, axes), axes),
  ]);
}

/**
 * Σ over `axis` (all axes when undefined).
 *
 * Shape: x's shape without the reduced axes (kept as 1 with `keepDims`).
 * @example sum(tensor([[1, 2], [3, 4]]), 0) // [4, 6]
 */
export function sum(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduceOp('sum', x, axis, keepDims, 'sum', (xx, _y, dy) => dy.broadcastTo(xx.shape));
}

/**
 * Arithmetic mean over `axis`; ints are averaged in float32.
 * @example mean(tensor([[1, 2], [3, 4]]), 1) // [1.5, 3.5]
 */
export function mean(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  let t = convertToTensor(x, 'mean', 'x');
  if (!isFloat(t.dtype)) t = cast(t, 'float32');
  const axes = normalizeAxes(axis, t.rank, 'mean');
  let n = 1;
  for (const a of axes) n *= t.shape[a]!;
  return div(sum(t, axes, keepDims), n);
}

/**
 * Maximum over `axis`; NaN propagates. Ties share the gradient equally (as TensorFlow).
 * @example max(tensor([[1, 5], [3, 2]]), 1) // [5, 3]
 */
export function max(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduceOp('max', x, axis, keepDims, 'max', extremumGrad);
}

/**
 * Minimum over `axis`; NaN propagates. Ties share the gradient equally.
 * @example min(tensor([[1, 5], [3, 2]]), 1) // [1, 2]
 */
export function min(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduceOp('min', x, axis, keepDims, 'min', extremumGrad);
}

function extremumGrad(x: Tensor, y: Tensor, dy: Tensor, axes: number[]): Tensor {
  const hit = cast(equal(x, y), x.dtype);
  return div(mul(hit, dy), hit.sum(axes, true));
}

/**
 * Product over `axis`. The gradient is the product of the other elements, computed without
 * dividing by zero: one zero in a group gets the product of the rest, two or more give 0.
 * @example prod(tensor([[1, 2], [3, 4]]), 1) // [2, 12]
 */
export function prod(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduceOp('prod', x, axis, keepDims, 'prod', (xx, _y, dy, axes) => {
    const isZero = equal(xx, 0);
    const zeros = cast(isZero, xx.dtype).sum(axes, true);
    const nonZero = where(isZero, 1, xx);
    const pNonZero = nonZero.prod(axes, true);
    const others = where(
      equal(zeros, 0),
      div(pNonZero, nonZero),
      where(isZero, where(equal(zeros, 1), pNonZero, 0), 0),
    );
    return mul(dy, others);
  });
}

/** True where any element along `axis` is nonzero (bool). @example any(tensor([false, true])) // true */
export function any(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduceOp('any', x, axis, keepDims, 'any', null);
}

/** True where every element along `axis` is nonzero (bool). @example all(tensor([false, true])) // false */
export function all(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduceOp('all', x, axis, keepDims, 'all', null);
}

function argReduce(op: ArgReduceOp, xIn: TensorLike, axis: number | undefined): Tensor {
  let x = convertToTensor(xIn, op, 'x');
  if (axis === undefined) x = x.reshape([-1]);
  if (x.rank === 0) throw new ValueError(`${op}: needs rank >= 1, got a scalar`);
  const ax = normalizeAxis(axis ?? 0, x.rank, op);
  if (x.shape[ax] === 0)
    throw new ValueError(`${op}: axis ${ax} of shape [${x.shape.join(', ')}] is empty`);
  if (x.dtype === 'bool') x = cast(x, 'int32');
  const b = be();
  return wrap(
    b,
    b.argReduce(op, x.handleOn(b), x.shape, ax, x.dtype),
    x.shape.filter((_, i) => i !== ax),
    'int32',
  );
}

/**
 * Index (int32) of the largest element along `axis`; the first on ties, a NaN counts as largest.
 * `axis` undefined searches the flattened tensor.
 * @example argmax(tensor([[1, 5], [3, 3]]), 1) // [1, 0]
 */
export function argmax(x: TensorLike, axis?: number): Tensor {
  return argReduce('argmax', x, axis);
}

/** Index (int32) of the smallest element along `axis`; the first on ties. @example argmin(tensor([3, 1, 1])) // 1 */
export function argmin(x: TensorLike, axis?: number): Tensor {
  return argReduce('argmin', x, axis);
}

/**
 * log Σ exp(x) over `axis`, stable for large |x|. Backward: dx = dy · exp(x − y).
 * @example logSumExp(tensor([0, 0])) // 0.6931
 */
export function logSumExp(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  let t = convertToTensor(x, 'logSumExp', 'x');
  if (!isFloat(t.dtype)) t = cast(t, 'float32');
  const axes = normalizeAxes(axis, t.rank, 'logSumExp');
  const b = be();
  const y = wrap(
    b,
    b.logSumExp(t.handleOn(b), t.shape, axes, t.dtype),
    reducedShape(t.shape, axes, keepDims),
    t.dtype,
  );
  return record('logSumExp', [t], y, (dy) => {
    const yk = expandReduced(y, t.shape, axes);
    return [mul(expandReduced(dy, t.shape, axes), exp(sub(t, yk)))];
  });
}

/**
 * Population variance over `axis`: mean((x − mean x)²), as Keras `ops.var`.
 * @example variance(tensor([1, 2, 3, 4])) // 1.25
 */
export function variance(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  let t = convertToTensor(x, 'variance', 'x');
  if (t.dtype === 'bool') throw new DTypeError('variance: bool tensors have no variance');
  if (!isFloat(t.dtype)) t = cast(t, 'float32');
  const axes = normalizeAxes(axis, t.rank, 'variance');
  const centered = sub(t, mean(t, axes, true));
  return mean(square(centered), axes, keepDims);
}

/** Population standard deviation over `axis`: √variance. @example std(tensor([1, 3])) // 1 */
export function std(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return sqrt(variance(x, axis, keepDims));
}
