/**
 * Element types. `float32` and `int32` are the working types; `bool` holds masks and the
 * results of comparisons; `float64` exists so that gradient checks can run in double precision
 * on the reference backend.
 */
import { AllocationError } from '../errors.js';

export type DType = 'float32' | 'int32' | 'bool' | 'float64';

/** The typed array that stores each dtype. */
export type TypedArray = Float32Array | Int32Array | Uint8Array | Float64Array;

/** Maps a dtype to its typed array class. */
export type ArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'int32'
    ? Int32Array
    : D extends 'bool'
      ? Uint8Array
      : Float64Array;

const DTYPES: readonly DType[] = ['float32', 'int32', 'bool', 'float64'];

/** True for the dtypes that carry gradients. */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** True when `d` names a dtype Tessera knows. */
export function isDType(d: unknown): d is DType {
  return typeof d === 'string' && (DTYPES as readonly string[]).includes(d);
}

/** Bytes per element of each dtype's storage. */
export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
  float64: 8,
};

/** Most elements one tensor may hold: the longest typed array V8 (Node 20+) allocates. */
export const MAX_TENSOR_ELEMENTS = 2 ** 32;

function fmtBytes(b: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = b;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${b} bytes` : `${b} bytes, ${v.toPrecision(3)} ${units[u]}`;
}

function allocationError(op: string, what: string, size: number, dtype: DType, why: string) {
  return new AllocationError(
    `${op}: cannot allocate ${what}: ${size} elements (${fmtBytes(size * BYTES_PER_ELEMENT[dtype])}); ${why}`,
  );
}

/**
 * Checks that a tensor of `size` elements can exist before anything is allocated, so a huge
 * shape gives an {@link AllocationError} naming the op and the size instead of V8's bare
 * `RangeError: Invalid typed array length`.
 * @example checkAllocation('zeros', 1e12, 'float32', '[1000000, 1000000]'); // throws
 */
export function checkAllocation(op: string, size: number, dtype: DType, shape?: string): void {
  if (Number.isSafeInteger(size) && size >= 0 && size <= MAX_TENSOR_ELEMENTS) return;
  throw allocationError(
    op,
    `a ${dtype} tensor${shape ? ` of shape ${shape}` : ''}`,
    size,
    dtype,
    `a tensor holds at most ${MAX_TENSOR_ELEMENTS} elements`,
  );
}

/**
 * Allocates a zero-filled typed array of the dtype's class. Sizes no typed array can hold, and
 * allocations the runtime refuses for lack of memory, give an {@link AllocationError} naming
 * `op` instead of a bare `RangeError`.
 * @example allocArray('float32', 6, 'zeros') // Float32Array(6)
 */
export function allocArray(dtype: DType, size: number, op = 'allocate'): TypedArray {
  checkAllocation(op, size, dtype);
  try {
    switch (dtype) {
      case 'float32':
        return new Float32Array(size);
      case 'int32':
        return new Int32Array(size);
      case 'bool':
        return new Uint8Array(size);
      case 'float64':
        return new Float64Array(size);
    }
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw allocationError(op, `a ${dtype} array`, size, dtype, `out of memory (${e.message})`);
  }
}

/** The dtype whose class a typed array is. */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bool';
  return 'float64';
}

/**
 * The common dtype of two operands, NumPy style: bool < int32 < float32 < float64.
 * `add(int32, float32)` computes in float32.
 */
export function upcast(a: DType, b: DType): DType {
  const rank = (d: DType) => (d === 'bool' ? 0 : d === 'int32' ? 1 : d === 'float32' ? 2 : 3);
  return rank(a) >= rank(b) ? a : b;
}

/** The smallest int32, −2³¹: what a cast gives for NaN, ±Infinity and out-of-range floats. */
export const INT32_MIN = -2147483648;

/** The largest int32, 2³¹ − 1. */
export const INT32_MAX = 2147483647;

/**
 * True when `v`, truncated toward zero, is an int32: false for NaN, ±Infinity and anything at
 * or beyond ±2³¹ (2147483647.9 fits, it truncates to 2147483647).
 * @example fitsInt32(3e9) // false; fitsInt32(-1.5) // true
 */
export function fitsInt32(v: number): boolean {
  return v > -2147483649 && v < 2147483648;
}
