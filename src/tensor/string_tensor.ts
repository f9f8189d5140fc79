/**
 * `StringTensor`: an n-dimensional array of strings (dtype `'string'`). Strings live on the
 * host, as TensorFlow keeps them on the CPU: text is tokenized and looked up before numbers
 * reach a backend, so the numeric backends' contract stays numeric. It supports what text
 * pipelines need — reshape, gather, slice, concat, stack, equality — and the `strings` ops.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { sizeOf } from './shape.js';

/** Nested arrays of strings, any depth. */
export type NestedStrings = string | readonly NestedStrings[];

function inferShape(v: NestedStrings): number[] {
  const shape: number[] = [];
  let cur: NestedStrings | undefined = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as NestedStrings | undefined;
  }
  return shape;
}

function flatten(
  v: NestedStrings,
  shape: readonly number[],
  depth: number,
  out: string[],
  op: string,
): void {
  if (depth === shape.length) {
    if (typeof v !== 'string')
      throw new ShapeError(
        `${op}: ragged nested array: expected a string at depth ${depth}, got ${Array.isArray(v) ? 'an array' : typeof v}`,
      );
    out.push(v);
    return;
  }
  if (!Array.isArray(v) || v.length !== shape[depth])
    throw new ShapeError(
      `${op}: ragged nested array: expected length ${shape[depth]} at depth ${depth} for shape ${fmtShape(shape)}, got ${Array.isArray(v) ? v.length : typeof v} (strings of different counts per row need padding, or a flat list)`,
    );
  for (const e of v) flatten(e, shape, depth + 1, out, op);
}

/** Whether `v` is a string or a non-empty nested array holding only strings. */
export function isStringValues(v: unknown): v is NestedStrings {
  if (typeof v === 'string') return true;
  return Array.isArray(v) && v.length > 0 && v.every(isStringValues);
}

function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank)
    throw new ValueError(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/**
 * An immutable n-dimensional array of strings.
 *
 * Shape: any rank; `shape` lists each axis's size.
 * @example
 * const t = stringTensor([['a', 'b'], ['c', 'd']]);
 * t.gather([1]).toArray(); // [['c', 'd']]
 */
export class StringTensor {
  readonly dtype = 'string' as const;
  readonly shape: readonly number[];
  readonly size: number;
  /** The strings in row-major order. */
  readonly values: readonly string[];

  constructor(values: readonly string[], shape: readonly number[]) {
    const size = sizeOf(shape);
    if (values.length !== size)
      throw new ShapeError(
        `StringTensor: ${values.length} strings do not fill shape ${fmtShape(shape)} (${size})`,
      );
    for (let i = 0; i < values.length; i++)
      if (typeof values[i] !== 'string')
        throw new DTypeError(`StringTensor: element ${i} is ${typeof values[i]}, not a string`);
    this.values = Object.freeze([...values]);
    this.shape = Object.freeze([...shape]);
    this.size = size;
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** The strings, flat (as `dataSync` gives numbers). */
  stringsSync(): string[] {
    return [...this.values];
  }

  /** The strings, flat; a promise, as reads are at the numeric contract. */
  async data(): Promise<string[]> {
    return this.stringsSync();
  }

  /** The strings as nested arrays of the tensor's shape (a string for rank 0). */
  toArray(): NestedStrings {
    if (this.rank === 0) return this.values[0]!;
    const build = (depth: number, offset: number): NestedStrings[] => {
      const n = this.shape[depth]!;
      const stride = sizeOf(this.shape.slice(depth + 1));
      return Array.from({ length: n }, (_, i) =>
        depth === this.rank - 1 ? this.values[offset + i]! : build(depth + 1, offset + i * stride),
      ) as NestedStrings[];
    };
    return build(0, 0);
  }

  /** Alias of {@link toArray}, as numeric tensors' `arraySync`. */
  arraySync(): NestedStrings {
    return this.toArray();
  }

  /**
   * The same strings in a new shape (one entry may be −1).
   * @example stringTensor(['a', 'b', 'c', 'd']).reshape([2, 2])
   */
  reshape(shape: readonly number[]): StringTensor {
    const s = [...shape];
    const unknown = s.indexOf(-1);
    if (unknown >= 0) {
      const known = s.filter((_, i) => i !== unknown).reduce((a, d) => a * d, 1);
      if (known === 0 || this.size % known !== 0)
        throw new ShapeError(
          `reshape: cannot reshape ${fmtShape(this.shape)} to ${fmtShape(shape)}`,
        );
      s[unknown] = this.size / known;
    }
    if (sizeOf(s) !== this.size)
      throw new ShapeError(
        `reshape: cannot reshape ${fmtShape(this.shape)} (${this.size} strings) to ${fmtShape(shape)}`,
      );
    return new StringTensor(this.values, s);
  }

  /** A new axis of size 1 at `axis`. */
  expandDims(axis = 0): StringTensor {
    const a = axis < 0 ? axis + this.rank + 1 : axis;
    if (a < 0 || a > this.rank)
      throw new ValueError(`expandDims: axis ${axis} is out of range for rank ${this.rank}`);
    return this.reshape([...this.shape.slice(0, a), 1, ...this.shape.slice(a)]);
  }

  /** Drops axes of size 1 (all, or those listed). */
  squeeze(axis?: number | readonly number[]): StringTensor {
    const axes =
      axis === undefined
        ? null
        : (typeof axis === 'number' ? [axis] : [...axis]).map((a) =>
            normAxis(a, this.rank, 'squeeze'),
          );
    for (const a of axes ?? [])
      if (this.shape[a] !== 1)
        throw new ShapeError(`squeeze: axis ${a} has size ${this.shape[a]}, not 1`);
    return this.reshape(this.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)));
  }

  /**
   * Slices along `axis` at the given indices.
   *
   * Shape: `shape[:axis] + [indices.length] + shape[axis+1:]`.
   * @example stringTensor(['a', 'b', 'c']).gather([2, 0]).stringsSync() // ['c', 'a']
   */
  gather(indices: readonly number[] | ArrayLike<number>, axis = 0): StringTensor {
    const ax = normAxis(axis, this.rank, 'gather');
    const n = this.shape[ax]!;
    const idx = Array.from(indices as ArrayLike<number>);
    idx.forEach((v) => {
      if (!Number.isInteger(v) || v < 0 || v >= n)
        throw new ValueError(
          `gather: index ${v} is out of range [0, ${n}) for axis ${ax} of shape ${fmtShape(this.shape)}`,
        );
    });
    const outer = sizeOf(this.shape.slice(0, ax));
    const inner = sizeOf(this.shape.slice(ax + 1));
    const out: string[] = [];
    for (let o = 0; o < outer; o++)
      for (const i of idx)
        for (let k = 0; k < inner; k++) out.push(this.values[(o * n + i) * inner + k]!);
    return new StringTensor(out, [
      ...this.shape.slice(0, ax),
      idx.length,
      ...this.shape.slice(ax + 1),
    ]);
  }

  /**
   * A contiguous block: `begin` per axis and `size` per axis (−1: to the end).
   * @example stringTensor([['a', 'b'], ['c', 'd']]).slice([1, 0], [1, 2]).toArray() // [['c', 'd']]
   */
  slice(begin: readonly number[], size?: readonly number[]): StringTensor {
    if (begin.length > this.rank)
      throw new ValueError(`slice: begin has ${begin.length} entries for rank ${this.rank}`);
    let t: StringTensor = this;
    for (let a = 0; a < this.rank; a++) {
      const b = begin[a] ?? 0;
      const n = this.shape[a]!;
      const s = size?.[a] === undefined || size[a] === -1 ? n - b : size[a]!;
      if (b < 0 || s < 0 || b + s > n)
        throw new ValueError(
          `slice: [${b}, ${b + s}) is out of range for axis ${a} of shape ${fmtShape(this.shape)}`,
        );
      if (b !== 0 || s !== n)
        t = t.gather(
          Array.from({ length: s }, (_, i) => b + i),
          a,
        );
    }
    return t;
  }

  /**
   * Elementwise equality with another string tensor (same shape) or a string: a bool tensor's
   * values as a plain `Uint8Array` with the shape (use {@link stringEqual} for a Tensor).
   */
  equalValues(other: StringTensor | string): Uint8Array {
    if (typeof other === 'string')
      return Uint8Array.from(this.values, (v) => (v === other ? 1 : 0));
    if (
      other.size !== this.size ||
      other.rank !== this.rank ||
      other.shape.some((d, i) => d !== this.shape[i])
    )
      throw new ShapeError(
        `equal: string tensors of shapes ${fmtShape(this.shape)} and ${fmtShape(other.shape)} differ`,
      );
    return Uint8Array.from(this.values, (v, i) => (v === other.values[i] ? 1 : 0));
  }

  toString(): string {
    return `StringTensor(${fmtShape(this.shape)}) ${JSON.stringify(this.toArray())}`;
  }
}

/**
 * A string tensor from nested arrays of strings (or one string, a scalar).
 * @example stringTensor([['the cat'], ['a dog']]).shape // [2, 1]
 */
export function stringTensor(
  values: NestedStrings | readonly string[],
  shape?: readonly number[],
): StringTensor {
  const op = 'stringTensor';
  if (typeof values === 'string') return new StringTensor([values], shape ?? []);
  if (!Array.isArray(values))
    throw new DTypeError(
      `${op}: expected strings or nested arrays of strings, got ${typeof values}`,
    );
  const inferred = inferShape(values as NestedStrings);
  const flat: string[] = [];
  flatten(values as NestedStrings, inferred, 0, flat, op);
  return new StringTensor(flat, shape ?? inferred);
}

/**
 * Joins string tensors along an existing axis.
 * @example concatStrings([stringTensor(['a']), stringTensor(['b', 'c'])]).stringsSync() // ['a', 'b', 'c']
 */
export function concatStrings(xs: readonly StringTensor[], axis = 0): StringTensor {
  if (xs.length === 0) throw new ValueError('concat: needs at least one string tensor');
  const r = xs[0]!.rank;
  const ax = normAxis(axis, r, 'concat');
  xs.forEach((x, i) => {
    if (x.rank !== r || x.shape.some((d, k) => k !== ax && d !== xs[0]!.shape[k]))
      throw new ShapeError(
        `concat: input ${i} has shape ${fmtShape(x.shape)}, which does not fit ${fmtShape(xs[0]!.shape)} along axis ${ax}`,
      );
  });
  const outer = sizeOf(xs[0]!.shape.slice(0, ax));
  const out: string[] = [];
  for (let o = 0; o < outer; o++)
    for (const x of xs) {
      const block = sizeOf(x.shape.slice(ax));
      for (let k = 0; k < block; k++) out.push(x.values[o * block + k]!);
    }
  const shape = [...xs[0]!.shape];
  shape[ax] = xs.reduce((a, x) => a + x.shape[ax]!, 0);
  return new StringTensor(out, shape);
}

/**
 * Stacks equal-shaped string tensors along a new axis.
 * @example stackStrings([stringTensor(['a', 'b']), stringTensor(['c', 'd'])]).shape // [2, 2]
 */
export function stackStrings(xs: readonly StringTensor[], axis = 0): StringTensor {
  if (xs.length === 0) throw new ValueError('stack: needs at least one string tensor');
  return concatStrings(
    xs.map((x) => x.expandDims(axis < 0 ? axis + x.rank + 1 : axis)),
    axis < 0 ? axis + xs[0]!.rank + 1 : axis,
  );
}
