/** Functions that make new tensors from values or by rule: tensor, zeros, ones, full, eye, arange, linspace. */
import { DTypeError, ValueError, fmtShape } from '../errors.js';
import { type TensorValues, toFlat } from '../tensor/convert.js';
import { type DType, allocArray, checkAllocation, fitsInt32, isDType } from '../tensor/dtype.js';
import { checkShape, sizeOf } from '../tensor/shape.js';
import {
  type NestedStrings,
  type StringTensor,
  isStringValues,
  stringTensor,
} from '../tensor/string_tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import { be, wrap } from './util.js';

function checkDType(op: string, dtype: DType | undefined): void {
  if (dtype !== undefined && !isDType(dtype))
    throw new DTypeError(`${op}: unknown dtype '${String(dtype)}'`);
}

/**
 * A tensor from nested arrays, a typed array or a number. `shape` reshapes flat values (or
 * fills it when one number is given); `dtype` defaults to float32 (bool for booleans, int32
 * for Int32Array). Strings make a {@link StringTensor} (dtype `'string'`).
 *
 * Shape: `shape`, or the nesting of `values`.
 * @example tensor([[1, 2], [3, 4]]); tensor(new Float32Array(6), [2, 3]); tensor(['a', 'b']).dtype // 'string'
 */
export function tensor(values: TensorValues, shape?: readonly number[], dtype?: DType): Tensor;
// Two string signatures, not one with an optional dtype: with `dtype?` TypeScript resolves an
// `any[]` argument to the string signature, which would retype every such numeric call.
export function tensor(values: NestedStrings, shape?: readonly number[]): StringTensor;
export function tensor(
  values: NestedStrings,
  shape: readonly number[] | undefined,
  dtype: 'string',
): StringTensor;
export function tensor(
  values: TensorValues | NestedStrings,
  shape?: readonly number[],
  dtype?: DType | 'string',
): Tensor | StringTensor {
  if (dtype === 'string' || isStringValues(values)) {
    if (dtype !== undefined && dtype !== 'string')
      throw new DTypeError(`tensor: strings cannot make a ${dtype} tensor (use stringToNumber)`);
    return stringTensor(values as NestedStrings, shape);
  }
  checkDType('tensor', dtype);
  const f = toFlat(values as TensorValues, shape, dtype, 'tensor');
  const b = be();
  return wrap(b, b.fromArray(f.data, f.dtype), f.shape, f.dtype);
}

/** A rank-0 tensor. @example scalar(3).shape // [] */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return tensor(value, [], dtype);
}

/** `full` under the name of the op the user called, so errors name it. */
function filled(op: string, shape: readonly number[], value: number, dtype: DType): Tensor {
  checkShape(shape, op);
  checkDType(op, dtype);
  // The backend's Int32Array fill would store NaN as 0 and 3e9 wrapped, silently.
  if (dtype === 'int32' && !fitsInt32(value))
    throw new ValueError(
      `${op}: value ${value} does not fit int32: expected a number in [-2147483648, 2147483647]`,
    );
  const size = sizeOf(shape);
  checkAllocation(op, size, dtype, fmtShape(shape));
  const b = be();
  return wrap(b, b.fill(size, value, dtype), shape, dtype);
}

/** A tensor of `shape` filled with `value`. @example full([2, 2], 7) */
export function full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  return filled('full', shape, value, dtype);
}

/** Zeros of `shape`. @example zeros([2, 3]) */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('zeros', shape, 0, dtype);
}

/** Ones of `shape`. @example ones([2, 3]) */
export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('ones', shape, 1, dtype);
}

/** Zeros with the shape and dtype of `x`. @example zerosLike(tensor([1, 2])) */
export function zerosLike(x: Tensor): Tensor {
  return filled('zerosLike', x.shape, 0, x.dtype);
}

/** Ones with the shape and dtype of `x`. @example onesLike(tensor([1, 2])) */
export function onesLike(x: Tensor): Tensor {
  return filled('onesLike', x.shape, 1, x.dtype);
}

/**
 * An `n × m` matrix with ones on the diagonal (m defaults to n).
 * @example eye(2) // [[1, 0], [0, 1]]
 */
export function eye(n: number, m = n, dtype: DType = 'float32'): Tensor {
  checkShape([n, m], 'eye');
  checkAllocation('eye', n * m, dtype, fmtShape([n, m]));
  return tensor(
    allocArray('float64', n * m, 'eye').map((_, i) => (Math.floor(i / m) === i % m ? 1 : 0)),
    [n, m],
    dtype,
  );
}

/**
 * Evenly spaced values in [start, stop) with `step`; `arange(n)` is 0…n−1. The dtype is int32
 * when all arguments are integers, else float32.
 * @example arange(5) // [0, 1, 2, 3, 4]; arange(1, 2, 0.25) // [1, 1.25, 1.5, 1.75]
 */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  for (const [k, v] of [
    ['start', start],
    ['stop', stop],
    ['step', step],
  ] as const) {
    if (!Number.isFinite(v)) throw new ValueError(`arange: ${k} must be finite, got ${v}`);
  }
  if (step === 0) throw new ValueError('arange: step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dt = dtype ?? ([start, stop, step].every(Number.isInteger) ? 'int32' : 'float32');
  checkAllocation('arange', n, dt);
  const vals = allocArray('float64', n, 'arange').map((_, i) => start + i * step);
  return tensor(vals, [n], dt);
}

/**
 * `num` evenly spaced values from start to stop inclusive.
 * @example linspace(0, 1, 5) // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(
  start: number,
  stop: number,
  num: number,
  dtype: DType = 'float32',
): Tensor {
  if (!Number.isInteger(num) || num < 0)
    throw new ValueError(`linspace: num must be a non-negative integer, got ${num}`);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  checkAllocation('linspace', num, dtype);
  const vals = allocArray('float64', num, 'linspace').map((_, i) =>
    i === num - 1 && num > 1 ? stop : start + i * step,
  );
  return tensor(vals, [num], dtype);
}
