/** Turning user values (nested arrays, typed arrays, numbers) into flat typed data and a shape. */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { type DType, type TypedArray, allocArray, dtypeOfArray, fitsInt32 } from './dtype.js';
import { sizeOf } from './shape.js';

/** Nested arrays of numbers or booleans, any depth. */
export type NestedArray = number | boolean | readonly NestedArray[];

/** What tensor-creating functions accept as values. */
export type TensorValues = NestedArray | TypedArray;

function inferShape(v: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as NestedArray;
    if (cur === undefined) break;
  }
  return shape;
}

function flatten(
  v: NestedArray,
  shape: readonly number[],
  depth: number,
  out: number[],
  op: string,
  dt: { bool: boolean },
): void {
  if (depth === shape.length) {
    if (Array.isArray(v)) {
      throw new ShapeError(
        `${op}: ragged nested array: expected a number at depth ${depth}, got an array`,
      );
    }
    if (typeof v === 'boolean') {
      out.push(v ? 1 : 0);
      return;
    }
    if (typeof v !== 'number') {
      throw new DTypeError(`${op}: expected numbers or booleans, got ${typeof v}`);
    }
    dt.bool = false;
    out.push(v);
    return;
  }
  if (!Array.isArray(v) || v.length !== shape[depth]) {
    throw new ShapeError(
      `${op}: ragged nested array: expected length ${shape[depth]} at depth ${depth} for shape ${fmtShape(shape)}, got ${Array.isArray(v) ? v.length : typeof v}`,
    );
  }
  for (const e of v) flatten(e, shape, depth + 1, out, op, dt);
}

/**
 * The multi-dimensional index of flat (row-major) position `flat` in `shape`.
 * @example unravelIndex(5, [2, 3]) // [1, 2]
 */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx[d] = n > 0 ? rest % n : 0;
    rest = n > 0 ? Math.floor(rest / n) : 0;
  }
  return idx;
}

/** Where a flat position lies, for messages: `index 4` or `index [1, 0] (flat 2)`. */
export function describeIndex(flat: number, shape: readonly number[]): string {
  return shape.length > 1
    ? `index ${fmtShape(unravelIndex(flat, shape))} (flat ${flat})`
    : `index ${flat}`;
}

/**
 * Refuses numbers that int32 cannot hold before they are stored: an Int32Array would wrap
 * 2**40 to 0 and NaN to 0 without a word. Fractions are allowed and truncate toward zero, as
 * `np.array([1.7], np.int32)` does.
 */
function checkInt32(v: ArrayLike<number>, shape: readonly number[], op: string): void {
  for (let i = 0; i < v.length; i++) {
    if (!fitsInt32(v[i]!)) {
      throw new ValueError(
        `${op}: value ${v[i]} at ${describeIndex(i, shape)} does not fit int32: expected a number in [-2147483648, 2147483647] (NaN and ±Infinity have no int32 value)`,
      );
    }
  }
}

/**
 * Flattens values into a typed array of `dtype` (inferred when absent: booleans give bool,
 * numbers float32, typed arrays their own dtype except Float64Array → float32 and
 * Uint8Array → int32) and checks them against `shape` when given. For int32, numbers must
 * fit the type (NaN, ±Infinity and values beyond ±2³¹ throw a ValueError naming the index);
 * fractions truncate toward zero.
 */
export function toFlat(
  values: TensorValues,
  shape: readonly number[] | undefined,
  dtype: DType | undefined,
  op: string,
): { data: TypedArray; shape: number[]; dtype: DType } {
  let data: TypedArray;
  let inferred: number[];
  let dt: DType;
  if (ArrayBuffer.isView(values)) {
    const ta = values as TypedArray;
    const own = dtypeOfArray(ta);
    dt = dtype ?? (own === 'float64' ? 'float32' : own === 'bool' ? 'int32' : own);
    data = allocArray(dt, ta.length, op);
    if (dt === 'int32' && (own === 'float32' || own === 'float64'))
      checkInt32(ta, shape && sizeOf(shape) === ta.length ? shape : [ta.length], op);
    if (dt === 'bool') for (let i = 0; i < ta.length; i++) data[i] = ta[i] !== 0 ? 1 : 0;
    else data.set(ta);
    inferred = [ta.length];
  } else {
    inferred = inferShape(values as NestedArray);
    const flat: number[] = [];
    const seen = { bool: true };
    flatten(values as NestedArray, inferred, 0, flat, op, seen);
    dt = dtype ?? (seen.bool && flat.length > 0 ? 'bool' : 'float32');
    data = allocArray(dt, flat.length, op);
    if (dt === 'int32') checkInt32(flat, inferred, op);
    if (dt === 'bool') for (let i = 0; i < flat.length; i++) data[i] = flat[i] !== 0 ? 1 : 0;
    else data.set(flat);
  }
  if (shape) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0)
        throw new ShapeError(`${op}: invalid shape ${fmtShape(shape)}`);
    }
    if (sizeOf(shape) !== data.length) {
      if (data.length === 1 && inferred.length === 0) {
        const v = data[0]!;
        data = allocArray(dt, sizeOf(shape), op);
        data.fill(v);
      } else {
        throw new ShapeError(
          `${op}: shape ${fmtShape(shape)} needs ${sizeOf(shape)} values, got ${data.length} (shape ${fmtShape(inferred)})`,
        );
      }
    }
    return { data, shape: [...shape], dtype: dt };
  }
  return { data, shape: inferred, dtype: dt };
}

/** Rebuilds nested arrays from flat data (bools become booleans). */
export function toNested(data: TypedArray, shape: readonly number[], dtype: DType): NestedArray {
  const conv = dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  if (shape.length === 0) return conv(data[0]!);
  const build = (depth: number, offset: number): NestedArray[] => {
    const n = shape[depth]!;
    const stride = sizeOf(shape.slice(depth + 1));
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] =
        depth === shape.length - 1
          ? conv(data[offset + i]!)
          : build(depth + 1, offset + i * stride);
    }
    return out;
  };
  return build(0, 0);
}
