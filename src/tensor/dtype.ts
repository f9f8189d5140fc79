/**
 * Element types. `float32` and `int32` are the working types; `bool` holds masks and the
 * results of comparisons; `float64` exists so that gradient checks can run in double precision
 * on the reference backend.
 */
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

/** Allocates a zero-filled typed array of the dtype's class. */
export function allocArray(dtype: DType, size: number): TypedArray {
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
