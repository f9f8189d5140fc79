/**
 * Ops that move or select data: reshape, transpose, expandDims, squeeze, slice, stridedSlice,
 * concat, stack, split, tile, pad, broadcastTo, gather (the Embedding lookup), scatterAdd and
 * oneHot. Each backward is beside its forward.
 */
import { record } from '../autograd/tape.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { upcast } from '../tensor/dtype.js';
import {
  type Shape,
  broadcastShapes,
  inferReshape,
  normalizeAxes,
  normalizeAxis,
  shapesEqual,
  sizeOf,
} from '../tensor/shape.js';
import { Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { cast } from './elementwise.js';
import { be, unbroadcast, wrap } from './util.js';

/**
 * The same data in a new shape; one axis may be −1 (inferred). Free: the storage is shared.
 * @example reshape(tensor([1, 2, 3, 4]), [2, -1]) // [[1, 2], [3, 4]]
 */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const t = convertToTensor(x, 'reshape', 'x');
  if (!Array.isArray(shape))
    throw new ShapeError(`reshape: target shape must be an array, got ${String(shape)}`);
  const target = inferReshape(t.shape, shape);
  if (shapesEqual(target, t.shape)) return t;
  const y = new Tensor(t.handle, target, t.dtype, t.backend);
  return record('reshape', [t], y, (dy) => [reshape(dy, t.shape)]);
}

/**
 * Permutes axes (default: reversed). Backward: the inverse permutation.
 *
 * Shape: `out[i] = x.shape[perm[i]]`.
 * @example transpose(tensor([[1, 2, 3]])) // [[1], [2], [3]]
 */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const t = convertToTensor(x, 'transpose', 'x');
  const p = perm
    ? perm.map((a) => normalizeAxis(a, t.rank, 'transpose'))
    : t.shape.map((_, i) => t.rank - 1 - i);
  if (p.length !== t.rank || new Set(p).size !== t.rank) {
    throw new ValueError(
      `transpose: perm [${perm?.join(', ')}] is not a permutation of ${t.rank} axes for shape ${fmtShape(t.shape)}`,
    );
  }
  if (p.every((a, i) => a === i)) return t;
  const b = be();
  const y = wrap(
    b,
    b.transpose(t.handleOn(b), t.shape, p, t.dtype),
    p.map((a) => t.shape[a]!),
    t.dtype,
  );
  const inv = new Array<number>(p.length);
  p.forEach((a, i) => {
    inv[a] = i;
  });
  return record('transpose', [t], y, (dy) => [transpose(dy, inv)]);
}

/** Inserts an axis of size 1 at `axis` (−1 appends). @example expandDims(tensor([1, 2]), 1).shape // [2, 1] */
export function expandDims(x: TensorLike, axis = 0): Tensor {
  const t = convertToTensor(x, 'expandDims', 'x');
  const ax = normalizeAxis(axis, t.rank + 1, 'expandDims');
  const shape = [...t.shape];
  shape.splice(ax, 0, 1);
  return reshape(t, shape);
}

/** Removes size-1 axes (all of them, or those listed). @example squeeze(zeros([1, 3, 1])).shape // [3] */
export function squeeze(x: TensorLike, axis?: number | readonly number[]): Tensor {
  const t = convertToTensor(x, 'squeeze', 'x');
  const axes =
    axis === undefined
      ? t.shape.flatMap((d, i) => (d === 1 ? [i] : []))
      : normalizeAxes(axis, t.rank, 'squeeze');
  for (const a of axes) {
    if (t.shape[a] !== 1)
      throw new ShapeError(
        `squeeze: axis ${a} of shape ${fmtShape(t.shape)} has size ${t.shape[a]}, not 1`,
      );
  }
  return reshape(
    t,
    t.shape.filter((_, i) => !axes.includes(i)),
  );
}

/**
 * A contiguous block: `size[d]` elements from `begin[d]` on each axis (−1 or absent: to the
 * end). Backward pads the gradient back with zeros.
 * @example slice(tensor([[1, 2, 3], [4, 5, 6]]), [0, 1], [2, 2]) // [[2, 3], [5, 6]]
 */
export function slice(x: TensorLike, begin: readonly number[], size?: readonly number[]): Tensor {
  const t = convertToTensor(x, 'slice', 'x');
  if (begin.length > t.rank || (size && size.length > t.rank)) {
    throw new ShapeError(
      `slice: begin [${begin.join(', ')}] / size [${size?.join(', ') ?? ''}] have more axes than shape ${fmtShape(t.shape)}`,
    );
  }
  const b0: number[] = [];
  const sz: number[] = [];
  for (let d = 0; d < t.rank; d++) {
    const dim = t.shape[d]!;
    const b = begin[d] ?? 0;
    const s = size?.[d] ?? -1;
    const len = s === -1 ? dim - b : s;
    if (!Number.isInteger(b) || !Number.isInteger(len) || b < 0 || len < 0 || b + len > dim) {
      throw new ShapeError(
        `slice: begin [${begin.join(', ')}] size [${size?.join(', ') ?? ''}] out of bounds for shape ${fmtShape(t.shape)} (axis ${d})`,
      );
    }
    b0.push(b);
    sz.push(len);
  }
  if (sz.every((s, d) => s === t.shape[d])) return t;
  const be_ = be();
  const h = be_.slice(
    t.handleOn(be_),
    t.shape,
    b0,
    sz.map(() => 1),
    sz,
    t.dtype,
  );
  const y = wrap(be_, h, sz, t.dtype);
  return record('slice', [t], y, (dy) => [
    pad(
      dy,
      b0.map((b, d) => [b, t.shape[d]! - b - sz[d]!] as [number, number]),
    ),
  ]);
}

/**
 * NumPy-style strided slice `x[b₀:e₀:s₀, …]`: negative begin/end count from the end, a
 * negative stride walks backwards, out-of-range bounds are clamped as in Python.
 * The backward scatters the gradient to the selected positions.
 * @example stridedSlice(tensor([0, 1, 2, 3, 4]), [4], [0], [-2]) // [4, 2]
 */
export function stridedSlice(
  x: TensorLike,
  begin: readonly number[],
  end: readonly number[],
  strides?: readonly number[],
): Tensor {
  const t = convertToTensor(x, 'stridedSlice', 'x');
  if (begin.length > t.rank || end.length > t.rank || (strides && strides.length > t.rank)) {
    throw new ShapeError(`stridedSlice: more bounds than axes of shape ${fmtShape(t.shape)}`);
  }
  const start: number[] = [];
  const step: number[] = [];
  const outShape: number[] = [];
  for (let d = 0; d < t.rank; d++) {
    const dim = t.shape[d]!;
    const s = strides?.[d] ?? 1;
    if (!Number.isInteger(s) || s === 0)
      throw new ValueError(`stridedSlice: stride on axis ${d} must be a nonzero integer, got ${s}`);
    for (const [what, v] of [
      ['begin', begin[d]],
      ['end', end[d]],
    ] as const) {
      // ±Infinity is accepted: it clamps like any out-of-range bound.
      if (v !== undefined && !Number.isInteger(v) && Math.abs(v) !== Number.POSITIVE_INFINITY) {
        throw new ValueError(`stridedSlice: ${what} on axis ${d} must be an integer, got ${v}`);
      }
    }
    // Python slice semantics: resolve negatives, then clamp to the valid range for the direction.
    const resolve = (v: number | undefined, dflt: number, lo: number, hi: number) => {
      if (v === undefined) return dflt;
      const r = v < 0 ? v + dim : v;
      return Math.min(Math.max(r, lo), hi);
    };
    const b = s > 0 ? resolve(begin[d], 0, 0, dim) : resolve(begin[d], dim - 1, -1, dim - 1);
    const e = s > 0 ? resolve(end[d], dim, 0, dim) : resolve(end[d], -1, -1, dim - 1);
    const n = s > 0 ? Math.max(0, Math.ceil((e - b) / s)) : Math.max(0, Math.ceil((b - e) / -s));
    start.push(n > 0 ? b : 0);
    step.push(s);
    outShape.push(n);
  }
  const be_ = be();
  const y = wrap(
    be_,
    be_.slice(t.handleOn(be_), t.shape, start, step, outShape, t.dtype),
    outShape,
    t.dtype,
  );
  return record('stridedSlice', [t], y, (dy) => {
    // Positions selected, found by slicing a tensor of flat indices the same way.
    const flatIdx = new Tensor(
      be_.fromArray(
        Int32Array.from({ length: t.size }, (_, i) => i),
        'int32',
      ),
      t.shape,
      'int32',
      be_,
    );
    const idx = stridedSlice(flatIdx, begin, end, strides).reshape([-1]);
    return [scatterAdd(dy.reshape([-1]), idx, [t.size], 0).reshape(t.shape)];
  });
}

/**
 * Joins tensors along an existing axis; all other axes must match.
 * @example concat([tensor([[1]]), tensor([[2]])], 1) // [[1, 2]]
 */
export function concat(xs: readonly TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0)
    throw new ValueError('concat: needs a non-empty array of tensors');
  let ts = xs.map((x, i) => convertToTensor(x, 'concat', `xs[${i}]`));
  const first = ts[0]!;
  if (first.rank === 0) throw new ShapeError('concat: scalars cannot be concatenated; use stack');
  const ax = normalizeAxis(axis, first.rank, 'concat');
  // NumPy promotion (bool < int32 < float32 < float64), as the binary ops: float64 is kept.
  const dt = ts.reduce((d, t) => upcast(d, t.dtype), first.dtype);
  ts = ts.map((t) => (t.dtype === dt ? t : cast(t, dt)));
  for (let i = 1; i < ts.length; i++) {
    const s = ts[i]!.shape;
    if (s.length !== first.rank || s.some((d, j) => j !== ax && d !== first.shape[j])) {
      throw new ShapeError(
        `concat: shapes must match except on axis ${ax}: ${fmtShape(first.shape)} vs ${fmtShape(s)} (input ${i})`,
      );
    }
  }
  if (ts.length === 1) return ts[0]!;
  const outShape = [...first.shape];
  outShape[ax] = ts.reduce((n, t) => n + t.shape[ax]!, 0);
  const b = be();
  const h = b.concat(
    ts.map((t) => t.handleOn(b)),
    ts.map((t) => t.shape),
    ax,
    dt,
  );
  const y = wrap(b, h, outShape, dt);
  return record('concat', ts, y, (dy) => {
    let off = 0;
    return ts.map((t) => {
      const begin = t.shape.map((_, j) => (j === ax ? off : 0));
      off += t.shape[ax]!;
      return slice(dy, begin, t.shape);
    });
  });
}

/** Stacks equal-shaped tensors along a new axis. @example stack([tensor([1, 2]), tensor([3, 4])]).shape // [2, 2] */
export function stack(xs: readonly TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0)
    throw new ValueError('stack: needs a non-empty array of tensors');
  const ts = xs.map((x, i) => convertToTensor(x, 'stack', `xs[${i}]`));
  const s0 = ts[0]!.shape;
  ts.forEach((t, i) => {
    if (!shapesEqual(t.shape, s0))
      throw new ShapeError(
        `stack: all shapes must be equal: ${fmtShape(s0)} vs ${fmtShape(t.shape)} (input ${i})`,
      );
  });
  const ax = normalizeAxis(axis, s0.length + 1, 'stack');
  return concat(
    ts.map((t) => expandDims(t, ax)),
    ax,
  );
}

/**
 * Splits into `n` equal parts, or parts of the listed sizes (one may be −1), along `axis`.
 * @example split(tensor([1, 2, 3, 4]), 2).map((t) => t.shape) // [[2], [2]]
 */
export function split(x: TensorLike, numOrSizes: number | readonly number[], axis = 0): Tensor[] {
  const t = convertToTensor(x, 'split', 'x');
  const ax = normalizeAxis(axis, t.rank, 'split');
  const dim = t.shape[ax]!;
  let sizes: number[];
  if (typeof numOrSizes === 'number') {
    if (!Number.isInteger(numOrSizes) || numOrSizes <= 0 || dim % numOrSizes !== 0) {
      throw new ShapeError(
        `split: axis ${ax} of shape ${fmtShape(t.shape)} (size ${dim}) is not divisible into ${numOrSizes} parts`,
      );
    }
    sizes = new Array(numOrSizes).fill(dim / numOrSizes);
  } else {
    sizes = [...numOrSizes];
    const unknown = sizes.indexOf(-1);
    const known = sizes.reduce((a, s) => (s === -1 ? a : a + s), 0);
    if (unknown >= 0) sizes[unknown] = dim - known;
    if (
      sizes.some((s) => !Number.isInteger(s) || s < 0) ||
      sizes.reduce((a, s) => a + s, 0) !== dim
    ) {
      throw new ShapeError(
        `split: sizes [${numOrSizes.join(', ')}] do not add up to ${dim} (axis ${ax} of ${fmtShape(t.shape)})`,
      );
    }
  }
  let off = 0;
  return sizes.map((s) => {
    const begin = t.shape.map((_, j) => (j === ax ? off : 0));
    const size = t.shape.map((d, j) => (j === ax ? s : d));
    off += s;
    return slice(t, begin, size);
  });
}

/**
 * Broadcasts to `shape` (NumPy rules), copying data. Backward sums over the broadcast axes.
 * @example broadcastTo(tensor([1, 2]), [2, 2]) // [[1, 2], [1, 2]]
 */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const t = convertToTensor(x, 'broadcastTo', 'x');
  const out = broadcastShapes(t.shape, shape, 'broadcastTo');
  if (!shapesEqual(out, shape)) {
    throw new ShapeError(
      `broadcastTo: shape ${fmtShape(t.shape)} cannot be broadcast to ${fmtShape(shape)}`,
    );
  }
  if (shapesEqual(t.shape, shape)) return t;
  const b = be();
  const y = wrap(b, b.broadcastTo(t.handleOn(b), t.shape, shape, t.dtype), shape, t.dtype);
  return record('broadcastTo', [t], y, (dy) => [unbroadcast(dy, t.shape)]);
}

/**
 * Repeats the tensor `reps[d]` times along each axis d.
 * @example tile(tensor([1, 2]), [2]) // [1, 2, 1, 2]
 */
export function tile(x: TensorLike, reps: readonly number[]): Tensor {
  const t = convertToTensor(x, 'tile', 'x');
  if (reps.length !== t.rank || reps.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new ValueError(
      `tile: reps [${reps.join(', ')}] must be ${t.rank} non-negative integers for shape ${fmtShape(t.shape)}`,
    );
  }
  // tile = reshape to [1, d₀, 1, d₁, …], broadcast to [r₀, d₀, r₁, d₁, …], merge pairs; the
  // gradient then comes from broadcastTo's.
  const inter = t.shape.flatMap((d) => [1, d]);
  const big = t.shape.flatMap((d, i) => [reps[i]!, d]);
  return reshape(
    broadcastTo(reshape(t, inter), big),
    t.shape.map((d, i) => d * reps[i]!),
  );
}

/**
 * Pads each axis with `paddings[d] = [before, after]` copies of `value` (default 0).
 * Backward slices the interior.
 * @example pad(tensor([1, 2]), [[1, 1]]) // [0, 1, 2, 0]
 */
export function pad(
  x: TensorLike,
  paddings: readonly (readonly [number, number])[],
  value = 0,
): Tensor {
  const t = convertToTensor(x, 'pad', 'x');
  if (
    paddings.length !== t.rank ||
    paddings.some((p) => p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))
  ) {
    throw new ValueError(
      `pad: paddings ${JSON.stringify(paddings)} must be ${t.rank} pairs of non-negative integers for shape ${fmtShape(t.shape)}`,
    );
  }
  if (paddings.every(([a, b]) => a === 0 && b === 0)) return t;
  const b = be();
  const outShape = t.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const y = wrap(b, b.pad(t.handleOn(b), t.shape, paddings, value, t.dtype), outShape, t.dtype);
  return record('pad', [t], y, (dy) => [
    slice(
      dy,
      paddings.map((p) => p[0]),
      t.shape,
    ),
  ]);
}

/**
 * Indices as an int32 tensor. A tensor must already be int32; plain arrays must hold integers.
 */
function toIndexTensor(indices: TensorLike, op: string): Tensor {
  if (indices instanceof Tensor) {
    if (indices.dtype !== 'int32')
      throw new DTypeError(`${op}: indices must be int32, got ${indices.dtype}`);
    return indices;
  }
  const f = convertToTensor(indices, op, 'indices', 'float64');
  const v = f.dataSync();
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i]))
      throw new DTypeError(`${op}: indices must be integers, got ${v[i]}`);
  }
  return cast(f, 'int32');
}

/**
 * Converts indices to int32 and checks them against `[0, n)`. The range check runs in the
 * backend (`checkIndices`), not as a host read here, so a compiled step that gathers (an
 * Embedding lookup, a batch of the training set) stays traceable and re-checks every step.
 */
function checkIndices(indices: TensorLike, n: number, op: string, axisDesc: string): Tensor {
  return validIndices(
    indices,
    n,
    op,
    `${op}: index {value} is out of range [0, ${n}) for ${axisDesc}`,
    `${op}: indices must be integers, got {value}`,
  );
}

/**
 * Int32 indices checked against `[0, n)` in the backend (traceable), with the caller's
 * messages (`{value}` stands for the offending value): for layers that name themselves.
 * @example validIndices(ids, 10, 'CategoryEncoding', 'value {value} is not in [0, 10)', 'values must be integers, got {value}')
 */
export function validIndices(
  indices: TensorLike,
  n: number,
  op: string,
  outOfRange: string,
  notInteger: string,
): Tensor {
  const idx = toIndexTensor(indices, op);
  const b = be();
  const h = b.checkIndices(idx.handleOn(b), idx.size, n, 'int32', { outOfRange, notInteger });
  return wrap(b, h, idx.shape, 'int32');
}

/**
 * Takes slices of `x` along `axis` at `indices` (int32, any shape). This is the Embedding
 * lookup; its backward is a scatter-add into zeros.
 *
 * Shape: `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
 * @example gather(tensor([[1, 2], [3, 4], [5, 6]]), [2, 0]) // [[5, 6], [1, 2]]
 */
export function gather(x: TensorLike, indices: TensorLike, axis = 0): Tensor {
  const t = convertToTensor(x, 'gather', 'x');
  if (t.rank === 0) throw new ShapeError('gather: x must have rank >= 1, got a scalar');
  const ax = normalizeAxis(axis, t.rank, 'gather');
  const idx = checkIndices(
    indices,
    t.shape[ax]!,
    'gather',
    `axis ${ax} of shape ${fmtShape(t.shape)}`,
  );
  const b = be();
  const h = b.gather(t.handleOn(b), t.shape, idx.handleOn(b), idx.size, ax, t.dtype);
  const flatShape = [...t.shape.slice(0, ax), idx.size, ...t.shape.slice(ax + 1)];
  const y = wrap(b, h, flatShape, t.dtype);
  // The indices were checked above and a tensor never changes, so the backward skips the
  // second check (a host read and a scan of every index, each step of an Embedding).
  const gathered = record('gather', [t], y, (dy) => [
    scatterAddChecked(dy, idx.reshape([-1]), t.shape, ax),
  ]);
  return reshape(gathered, [...t.shape.slice(0, ax), ...idx.shape, ...t.shape.slice(ax + 1)]);
}

/**
 * Sums slices of `updates` into a zero tensor of `shape` along `axis` at `indices` (repeated
 * indices add up): the adjoint of {@link gather}, TensorFlow's unsorted segment sum.
 *
 * Shape: updates `shape[:axis] + [indices.size] + shape[axis+1:]`.
 * @example scatterAdd(tensor([1, 2, 3]), [0, 2, 0], [3], 0) // [4, 0, 2]
 */
export function scatterAdd(
  updates: TensorLike,
  indices: TensorLike,
  shape: Shape,
  axis = 0,
): Tensor {
  const u = convertToTensor(updates, 'scatterAdd', 'updates');
  const ax = normalizeAxis(axis, shape.length, 'scatterAdd');
  const idx = checkIndices(
    indices,
    shape[ax]!,
    'scatterAdd',
    `axis ${ax} of shape ${fmtShape(shape)}`,
  );
  const expected = [...shape.slice(0, ax), idx.size, ...shape.slice(ax + 1)];
  if (u.size !== sizeOf(expected)) {
    throw new ShapeError(
      `scatterAdd: updates ${fmtShape(u.shape)} do not fit ${fmtShape(expected)} for ${idx.size} indices`,
    );
  }
  return scatterAddChecked(u, idx, shape, ax);
}

/** {@link scatterAdd} on int32 indices already checked against `shape[ax]` and a fitting `u`. */
function scatterAddChecked(u: Tensor, idx: Tensor, shape: Shape, ax: number): Tensor {
  const b = be();
  const h = b.scatterAdd(u.handleOn(b), idx.handleOn(b), idx.size, shape, ax, u.dtype);
  const y = wrap(b, h, shape, u.dtype);
  return record('scatterAdd', [u], y, (dy) => [gather(dy, idx, ax).reshape(u.shape)]);
}

/**
 * One-hot encoding: a new last axis of length `depth`, `on` at each index and `off` elsewhere
 * (indices outside `[0, depth)` give an all-`off` row, as TensorFlow).
 * @example oneHot([0, 2], 3) // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(indices: TensorLike, depth: number, on = 1, off = 0): Tensor {
  const idx = toIndexTensor(indices, 'oneHot');
  if (!Number.isInteger(depth) || depth < 1)
    throw new ValueError(`oneHot: depth must be a positive integer, got ${depth}`);
  const b = be();
  return wrap(
    b,
    b.oneHot(idx.handleOn(b), idx.size, depth, on, off, 'float32'),
    [...idx.shape, depth],
    'float32',
  );
}
