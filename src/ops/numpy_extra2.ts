/**
 * Keras 3 `keras.ops` numpy-style ops, part 2: axis moves, stacking and splitting, flips and
 * rotations, products (`outer`, `inner`, numpy `dot`, `vdot`, `kron`, `cross`), diagonals and
 * differences. All are composites of reshape, transpose, slice, concat, gather and
 * `tensordot`, so gradients flow through them.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { normalizeAxis } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { flip, tril } from './arrange.js';
import { eye, ones, tensor, zeros } from './creation.js';
import { mul, sub } from './elementwise.js';
import { tensordot } from './math_extra.js';
import { concat, gather, reshape, slice, split, squeeze, stack, transpose } from './movement.js';
import { sum } from './reduce.js';

// ---------------------------------------------------------------- axis moves

/**
 * Swaps two axes.
 *
 * Shape: x's shape with `axis1` and `axis2` exchanged.
 * @example swapaxes(zeros([2, 3, 4]), 0, 2).shape // [4, 3, 2]
 */
export function swapaxes(x: TensorLike, axis1: number, axis2: number): Tensor {
  const t = convertToTensor(x, 'swapaxes', 'x');
  const a = normalizeAxis(axis1, t.rank, 'swapaxes');
  const b = normalizeAxis(axis2, t.rank, 'swapaxes');
  const perm = t.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return transpose(t, perm);
}

/**
 * Moves axes to new positions; the other axes keep their order (numpy `moveaxis`).
 *
 * Shape: x's axes reordered.
 * @example moveaxis(zeros([2, 3, 4]), 0, -1).shape // [3, 4, 2]
 */
export function moveaxis(
  x: TensorLike,
  source: number | readonly number[],
  destination: number | readonly number[],
): Tensor {
  const t = convertToTensor(x, 'moveaxis', 'x');
  const src = (typeof source === 'number' ? [source] : [...source]).map((a) =>
    normalizeAxis(a, t.rank, 'moveaxis'),
  );
  const dst = (typeof destination === 'number' ? [destination] : [...destination]).map((a) =>
    normalizeAxis(a, t.rank, 'moveaxis'),
  );
  if (src.length !== dst.length)
    throw new ValueError(`moveaxis: ${src.length} source axes but ${dst.length} destination axes`);
  if (new Set(src).size !== src.length || new Set(dst).size !== dst.length)
    throw new ValueError('moveaxis: repeated axis in source or destination');
  const order = t.shape.map((_, i) => i).filter((i) => !src.includes(i));
  const pairs = dst.map((d, i) => [d, src[i]!] as const).sort((p, q) => p[0] - q[0]);
  for (const [d, s] of pairs) order.splice(d, 0, s);
  return transpose(t, order);
}

/** The flattened tensor (row-major). Shape: `[x.size]`. @example ravel(tensor([[1, 2], [3, 4]])) // [1, 2, 3, 4] */
export function ravel(x: TensorLike): Tensor {
  return reshape(convertToTensor(x, 'ravel', 'x'), [-1]);
}

// ---------------------------------------------------------------- stacking

function atLeast(t: Tensor, rank: 1 | 2 | 3): Tensor {
  if (t.rank >= rank) return t;
  if (rank === 1) return reshape(t, [1]);
  if (rank === 2) return reshape(t, t.rank === 0 ? [1, 1] : [1, t.shape[0]!]);
  if (t.rank === 0) return reshape(t, [1, 1, 1]);
  if (t.rank === 1) return reshape(t, [1, t.shape[0]!, 1]);
  return reshape(t, [...t.shape, 1]);
}

function tensors(xs: readonly TensorLike[], op: string): Tensor[] {
  if (xs.length === 0) throw new ValueError(`${op}: need at least one tensor`);
  return xs.map((x, i) => convertToTensor(x, op, `xs[${i}]`));
}

/**
 * Stacks horizontally: concatenates along axis 1 (axis 0 for 1-D inputs).
 *
 * Shape: the inputs' shapes joined on that axis.
 * @example hstack([tensor([1, 2]), tensor([3])]) // [1, 2, 3]
 */
export function hstack(xs: readonly TensorLike[]): Tensor {
  const ts = tensors(xs, 'hstack').map((t) => atLeast(t, 1));
  return concat(ts, ts[0]!.rank === 1 ? 0 : 1);
}

/**
 * Stacks vertically: 1-D inputs become rows, then concatenates along axis 0.
 *
 * Shape: the (at least 2-D) inputs joined on axis 0.
 * @example vstack([tensor([1, 2]), tensor([3, 4])]) // [[1, 2], [3, 4]]
 */
export function vstack(xs: readonly TensorLike[]): Tensor {
  return concat(
    tensors(xs, 'vstack').map((t) => atLeast(t, 2)),
    0,
  );
}

/**
 * Stacks depth-wise: inputs become at least 3-D (`[n]` → `[1, n, 1]`, `[m, n]` → `[m, n, 1]`),
 * then concatenates along axis 2.
 *
 * Shape: the (at least 3-D) inputs joined on axis 2.
 * @example dstack([tensor([1, 2]), tensor([3, 4])]).shape // [1, 2, 2]
 */
export function dstack(xs: readonly TensorLike[]): Tensor {
  return concat(
    tensors(xs, 'dstack').map((t) => atLeast(t, 3)),
    2,
  );
}

/**
 * Splits with numpy's `indices_or_sections`: a number of sections (or, when `equal`, exactly
 * equal ones), or a list of split points.
 */
function splitNumpy(
  t: Tensor,
  indicesOrSections: number | readonly number[],
  axis: number,
  equal: boolean,
  op: string,
): Tensor[] {
  const ax = normalizeAxis(axis, t.rank, op);
  const dim = t.shape[ax]!;
  let bounds: [number, number][];
  if (typeof indicesOrSections === 'number') {
    const n = indicesOrSections;
    if (!Number.isInteger(n) || n <= 0)
      throw new ValueError(`${op}: the number of sections must be a positive integer, got ${n}`);
    if (equal && dim % n !== 0)
      throw new ShapeError(
        `${op}: axis ${ax} of shape ${fmtShape(t.shape)} (size ${dim}) does not split into ${n} equal sections`,
      );
    const base = Math.floor(dim / n);
    const extra = dim % n;
    bounds = [];
    let off = 0;
    for (let i = 0; i < n; i++) {
      const s = base + (i < extra ? 1 : 0);
      bounds.push([off, off + s]);
      off += s;
    }
  } else {
    const pts = indicesOrSections.map((i) => {
      if (!Number.isInteger(i)) throw new ValueError(`${op}: split index ${i} is not an integer`);
      return Math.min(dim, Math.max(0, i < 0 ? i + dim : i));
    });
    const edges = [0, ...pts, dim];
    bounds = edges.slice(1).map((e, i) => [edges[i]!, Math.max(edges[i]!, e)]);
  }
  return bounds.map(([b, e]) =>
    slice(
      t,
      t.shape.map((_, j) => (j === ax ? b : 0)),
      t.shape.map((d, j) => (j === ax ? e - b : d)),
    ),
  );
}

/**
 * Splits into sections along `axis`, like numpy's `array_split`: a number n of sections
 * (the first `size % n` one longer) or a list of split points.
 *
 * Shape: pieces of x along `axis`.
 * @example arraySplit(tensor([1, 2, 3, 4, 5]), 3) // [[1, 2], [3, 4], [5]]
 */
export function arraySplit(
  x: TensorLike,
  indicesOrSections: number | readonly number[],
  axis = 0,
): Tensor[] {
  const t = convertToTensor(x, 'arraySplit', 'x');
  if (t.rank === 0) throw new ValueError('arraySplit: x must have rank >= 1, got a scalar');
  return splitNumpy(t, indicesOrSections, axis, false, 'arraySplit');
}

/**
 * Splits horizontally: along axis 1 (axis 0 for 1-D), into equal sections or at split points.
 *
 * Shape: pieces of x along that axis.
 * @example hsplit(tensor([[1, 2], [3, 4]]), 2) // [[[1], [3]], [[2], [4]]]
 */
export function hsplit(x: TensorLike, indicesOrSections: number | readonly number[]): Tensor[] {
  const t = convertToTensor(x, 'hsplit', 'x');
  if (t.rank === 0) throw new ValueError('hsplit: x must have rank >= 1, got a scalar');
  return splitNumpy(t, indicesOrSections, t.rank === 1 ? 0 : 1, true, 'hsplit');
}

/**
 * Splits vertically: along axis 0 of an at-least-2-D tensor.
 *
 * Shape: pieces of x along axis 0.
 * @example vsplit(tensor([[1, 2], [3, 4]]), 2) // [[[1, 2]], [[3, 4]]]
 */
export function vsplit(x: TensorLike, indicesOrSections: number | readonly number[]): Tensor[] {
  const t = convertToTensor(x, 'vsplit', 'x');
  if (t.rank < 2) throw new ValueError(`vsplit: x must have rank >= 2, got rank ${t.rank}`);
  return splitNumpy(t, indicesOrSections, 0, true, 'vsplit');
}

/**
 * Splits depth-wise: along axis 2 of an at-least-3-D tensor.
 *
 * Shape: pieces of x along axis 2.
 * @example dsplit(zeros([1, 1, 4]), 2).map((p) => p.shape) // [[1, 1, 2], [1, 1, 2]]
 */
export function dsplit(x: TensorLike, indicesOrSections: number | readonly number[]): Tensor[] {
  const t = convertToTensor(x, 'dsplit', 'x');
  if (t.rank < 3) throw new ValueError(`dsplit: x must have rank >= 3, got rank ${t.rank}`);
  return splitNumpy(t, indicesOrSections, 2, true, 'dsplit');
}

/**
 * Appends `x2` to `x1` along `axis`; with `axis` null both are flattened first.
 *
 * Shape: the two joined on `axis` (`[x1.size + x2.size]` when null).
 * @example append(tensor([1, 2]), tensor([[3], [4]])) // [1, 2, 3, 4]
 */
export function append(x1: TensorLike, x2: TensorLike, axis: number | null = null): Tensor {
  const a = convertToTensor(x1, 'append', 'x1');
  const b = convertToTensor(x2, 'append', 'x2');
  if (axis === null) return concat([reshape(a, [-1]), reshape(b, [-1])], 0);
  return concat([a, b], normalizeAxis(axis, a.rank, 'append'));
}

/**
 * Unpacks `axis` into a list of tensors (the inverse of `stack`); `num`, when given, must equal
 * that axis's length.
 *
 * Shape: `shape(x)` without `axis`, `x.shape[axis]` times.
 * @example unstack(tensor([[1, 2], [3, 4]])) // [[1, 2], [3, 4]]
 */
export function unstack(x: TensorLike, num?: number | null, axis = 0): Tensor[] {
  const t = convertToTensor(x, 'unstack', 'x');
  if (t.rank === 0) throw new ValueError('unstack: x must have rank >= 1, got a scalar');
  const ax = normalizeAxis(axis, t.rank, 'unstack');
  const n = t.shape[ax]!;
  if (num !== undefined && num !== null && num !== n)
    throw new ValueError(`unstack: num is ${num} but axis ${ax} of ${fmtShape(t.shape)} is ${n}`);
  if (n === 0) return [];
  return split(t, n, ax).map((p) => squeeze(p, ax));
}

// ---------------------------------------------------------------- flips and rotations

/** Reverses axis 1 (left/right) of an at-least-2-D tensor. Shape: `x.shape`. @example fliplr(tensor([[1, 2]])) // [[2, 1]] */
export function fliplr(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'fliplr', 'x');
  if (t.rank < 2) throw new ValueError(`fliplr: x must have rank >= 2, got rank ${t.rank}`);
  return flip(t, 1);
}

/** Reverses axis 0 (up/down). Shape: `x.shape`. @example flipud(tensor([[1], [2]])) // [[2], [1]] */
export function flipud(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'flipud', 'x');
  if (t.rank < 1) throw new ValueError('flipud: x must have rank >= 1, got a scalar');
  return flip(t, 0);
}

/**
 * Rotates by 90° `k` times in the plane of `axes`, from the first axis towards the second.
 *
 * Shape: x's shape, with the two axes exchanged for odd k.
 * @example rot90(tensor([[1, 2], [3, 4]])) // [[2, 4], [1, 3]]
 */
export function rot90(
  x: TensorLike,
  k = 1,
  axes: readonly [number, number] | readonly number[] = [0, 1],
): Tensor {
  const t = convertToTensor(x, 'rot90', 'x');
  if (axes.length !== 2) throw new ValueError(`rot90: axes must be 2 axes, got ${axes.length}`);
  if (t.rank < 2) throw new ValueError(`rot90: x must have rank >= 2, got rank ${t.rank}`);
  if (!Number.isInteger(k)) throw new ValueError(`rot90: k must be an integer, got ${k}`);
  const a0 = normalizeAxis(axes[0]!, t.rank, 'rot90');
  const a1 = normalizeAxis(axes[1]!, t.rank, 'rot90');
  if (a0 === a1) throw new ValueError(`rot90: axes must differ, got [${axes.join(', ')}]`);
  const kk = ((k % 4) + 4) % 4;
  if (kk === 0) return t;
  if (kk === 2) return flip(t, [a0, a1]);
  const perm = t.shape.map((_, i) => (i === a0 ? a1 : i === a1 ? a0 : i));
  return kk === 1 ? transpose(flip(t, a1), perm) : flip(transpose(t, perm), a1);
}

// ---------------------------------------------------------------- products

/**
 * The outer product of the flattened inputs.
 *
 * Formula: out[i, j] = a[i] · b[j].
 *
 * Shape: `[a.size, b.size]`.
 * @example outer(tensor([1, 2]), tensor([3, 4])) // [[3, 4], [6, 8]]
 */
export function outer(a: TensorLike, b: TensorLike): Tensor {
  const x = convertToTensor(a, 'outer', 'a');
  const y = convertToTensor(b, 'outer', 'b');
  return mul(reshape(x, [-1, 1]), reshape(y, [1, -1]));
}

function lastAxisMatch(x: Tensor, y: Tensor, ya: number, op: string): void {
  if (x.shape[x.rank - 1] !== y.shape[ya])
    throw new ShapeError(
      `${op}: the last axis of a ${fmtShape(x.shape)} (${x.shape[x.rank - 1]}) does not match axis ${ya} of b ${fmtShape(y.shape)} (${y.shape[ya]})`,
    );
}

/**
 * The inner product over the last axes (scalars multiply).
 *
 * Formula: out[i…, j…] = Σ_k a[i…, k] · b[j…, k].
 *
 * Shape: `a.shape[:-1] + b.shape[:-1]`.
 * @example inner(tensor([1, 2]), tensor([3, 4])) // 11
 */
export function inner(a: TensorLike, b: TensorLike): Tensor {
  const x = convertToTensor(a, 'inner', 'a');
  const y = convertToTensor(b, 'inner', 'b');
  if (x.rank === 0 || y.rank === 0) return mul(x, y);
  lastAxisMatch(x, y, y.rank - 1, 'inner');
  return tensordot(x, y, [[x.rank - 1], [y.rank - 1]]);
}

/**
 * numpy's `dot`: scalars multiply; vectors give the inner product; for an N-D a and a 1-D b
 * the sum over their last axes; otherwise the sum over a's last axis and b's second-to-last
 * (matmul for matrices).
 *
 * Formula: out[i…, j…, m] = Σ_k a[i…, k] · b[j…, k, m].
 *
 * Shape: `a.shape[:-1] + b.shape[:-2] + b.shape[-1:]` (b 1-D: `a.shape[:-1]`).
 * @example dot(tensor([[1, 2], [3, 4]]), tensor([1, 1])) // [3, 7]
 */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  const x = convertToTensor(a, 'dot', 'a');
  const y = convertToTensor(b, 'dot', 'b');
  if (x.rank === 0 || y.rank === 0) return mul(x, y);
  const ya = y.rank === 1 ? 0 : y.rank - 2;
  lastAxisMatch(x, y, ya, 'dot');
  return tensordot(x, y, [[x.rank - 1], [ya]]);
}

/**
 * The dot product of the flattened inputs (real tensors: no conjugation).
 *
 * Formula: Σ_i a[i] · b[i].
 *
 * Shape: `[]`.
 * @example vdot(tensor([[1, 2]]), tensor([3, 4])) // 11
 */
export function vdot(a: TensorLike, b: TensorLike): Tensor {
  const x = convertToTensor(a, 'vdot', 'a');
  const y = convertToTensor(b, 'vdot', 'b');
  if (x.size !== y.size)
    throw new ShapeError(
      `vdot: a ${fmtShape(x.shape)} has ${x.size} elements, b ${fmtShape(y.shape)} has ${y.size}`,
    );
  return sum(mul(reshape(x, [-1]), reshape(y, [-1])));
}

/**
 * The Kronecker product: blocks of b scaled by each element of a (the lower rank is padded
 * with leading 1s).
 *
 * Formula: out[i·B + j] = a[i] · b[j] per axis, B the length of b's axis.
 *
 * Shape: the elementwise product of the (padded) shapes.
 * @example kron(tensor([1, 2]), tensor([1, 10])) // [1, 10, 2, 20]
 */
export function kron(a: TensorLike, b: TensorLike): Tensor {
  const x = convertToTensor(a, 'kron', 'a');
  const y = convertToTensor(b, 'kron', 'b');
  const r = Math.max(x.rank, y.rank);
  const sa = [...new Array(r - x.rank).fill(1), ...x.shape] as number[];
  const sb = [...new Array(r - y.rank).fill(1), ...y.shape] as number[];
  const xa = reshape(
    x,
    sa.flatMap((d) => [d, 1]),
  );
  const yb = reshape(
    y,
    sb.flatMap((d) => [1, d]),
  );
  return reshape(
    mul(xa, yb),
    sa.map((d, i) => d * sb[i]!),
  );
}

/**
 * The cross product of 3-vectors (or 2-vectors, taken with z = 0) along the given axes;
 * `axis`, when given, sets all three. For two 2-vectors the result is the z component only.
 *
 * Formula: c = (a₁b₂ − a₂b₁, a₂b₀ − a₀b₂, a₀b₁ − a₁b₀).
 *
 * Shape: broadcast of the other axes, with the 3-vector on `axisc`.
 * @example cross(tensor([1, 0, 0]), tensor([0, 1, 0])) // [0, 0, 1]
 */
export function cross(
  a: TensorLike,
  b: TensorLike,
  axisa = -1,
  axisb = -1,
  axisc = -1,
  axis: number | null = null,
): Tensor {
  let x = convertToTensor(a, 'cross', 'a');
  let y = convertToTensor(b, 'cross', 'b');
  if (axis !== null) [axisa, axisb, axisc] = [axis, axis, axis];
  if (x.rank === 0 || y.rank === 0) throw new ValueError('cross: a and b must have rank >= 1');
  x = moveaxisTo(x, normalizeAxis(axisa, x.rank, 'cross'));
  y = moveaxisTo(y, normalizeAxis(axisb, y.rank, 'cross'));
  const da = x.shape[x.rank - 1]!;
  const db = y.shape[y.rank - 1]!;
  if ((da !== 2 && da !== 3) || (db !== 2 && db !== 3))
    throw new ShapeError(
      `cross: the vector axes must have length 2 or 3, got ${da} (a ${fmtShape(x.shape)}) and ${db} (b ${fmtShape(y.shape)})`,
    );
  const comps = (t: Tensor, d: number) => split(t, d, -1).map((p) => squeeze(p, -1));
  const [a0, a1, a2] = comps(x, da);
  const [b0, b1, b2] = comps(y, db);
  const z = sub(mul(a0!, b1!), mul(a1!, b0!));
  if (da === 2 && db === 2) return z;
  const cx = a2 ? (b2 ? sub(mul(a1!, b2), mul(a2, b1!)) : mul(a2, b1!).neg()) : mul(a1!, b2!);
  const cy = a2 ? (b2 ? sub(mul(a2, b0!), mul(a0!, b2)) : mul(a2, b0!)) : mul(a0!, b2!).neg();
  const c = stack([cx, cy, z], -1);
  return moveaxis(c, -1, normalizeAxis(axisc, c.rank, 'cross'));
}

function moveaxisTo(t: Tensor, ax: number): Tensor {
  return ax === t.rank - 1 ? t : moveaxis(t, ax, -1);
}

// ---------------------------------------------------------------- diagonals

/**
 * The `offset` diagonal of the planes spanned by `axis1` and `axis2` (numpy's `diagonal`);
 * the diagonal becomes the last axis.
 *
 * Shape: x's shape without axis1 and axis2, plus the diagonal's length.
 * @example diagonal(tensor([[1, 2], [3, 4]])) // [1, 4]
 */
export function diagonal(x: TensorLike, offset = 0, axis1 = 0, axis2 = 1): Tensor {
  const t = convertToTensor(x, 'diagonal', 'x');
  if (t.rank < 2) throw new ValueError(`diagonal: x must have rank >= 2, got rank ${t.rank}`);
  if (!Number.isInteger(offset))
    throw new ValueError(`diagonal: offset must be an integer, got ${offset}`);
  const a1 = normalizeAxis(axis1, t.rank, 'diagonal');
  const a2 = normalizeAxis(axis2, t.rank, 'diagonal');
  if (a1 === a2) throw new ValueError(`diagonal: axis1 and axis2 are both ${a1}`);
  const rest = t.shape.map((_, i) => i).filter((i) => i !== a1 && i !== a2);
  const n = t.shape[a1]!;
  const m = t.shape[a2]!;
  const outer_ = rest.map((i) => t.shape[i]!);
  const len = Math.max(0, offset >= 0 ? Math.min(n, m - offset) : Math.min(n + offset, m));
  if (len === 0) return zeros([...outer_, 0], t.dtype);
  const moved = reshape(transpose(t, [...rest, a1, a2]), [...outer_, n * m]);
  const idx = Array.from({ length: len }, (_, i) =>
    offset >= 0 ? i * m + i + offset : (i - offset) * m + i,
  );
  return gather(moved, tensor(idx, [len], 'int32'), outer_.length);
}

/**
 * The sum along a diagonal (numpy's `trace`).
 *
 * Formula: Σ_i x[…, i, i + offset, …].
 *
 * Shape: x's shape without axis1 and axis2.
 * @example trace(tensor([[1, 2], [3, 4]])) // 5
 */
export function trace(x: TensorLike, offset = 0, axis1 = 0, axis2 = 1): Tensor {
  const t = convertToTensor(x, 'trace', 'x');
  if (t.rank < 2) throw new ValueError(`trace: x must have rank >= 2, got rank ${t.rank}`);
  return sum(diagonal(t, offset, axis1, axis2), -1);
}

/**
 * A 1-D x becomes a square matrix with x on diagonal `k`; a 2-D x gives its `k`-th diagonal.
 *
 * Shape: `[n + |k|, n + |k|]` for 1-D x of length n; the diagonal's length for 2-D x.
 * @example diag(tensor([1, 2])) // [[1, 0], [0, 2]]
 */
export function diag(x: TensorLike, k = 0): Tensor {
  const t = convertToTensor(x, 'diag', 'x');
  if (!Number.isInteger(k)) throw new ValueError(`diag: k must be an integer, got ${k}`);
  if (t.rank === 2) return diagonal(t, k);
  if (t.rank !== 1) throw new ValueError(`diag: x must be 1-D or 2-D, got rank ${t.rank}`);
  const len = t.shape[0]!;
  const n = len + Math.abs(k);
  const idx = new Int32Array(n * n).fill(len);
  for (let i = 0; i < len; i++) {
    const r = k >= 0 ? i : i - k;
    idx[r * n + r + k] = i;
  }
  const padded = concat([t, zeros([1], t.dtype)], 0);
  return reshape(gather(padded, tensor(idx, [n * n], 'int32')), [n, n]);
}

/** A matrix with the flattened x on diagonal `k`. Shape: `[x.size + |k|, x.size + |k|]`. @example diagflat(tensor([[1, 2]])) // [[1, 0], [0, 2]] */
export function diagflat(x: TensorLike, k = 0): Tensor {
  return diag(reshape(convertToTensor(x, 'diagflat', 'x'), [-1]), k);
}

/**
 * Ones on and below diagonal `k`, zeros above.
 *
 * Shape: `[n, m]`.
 * @example tri(3, 3, 0) // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
 */
export function tri(n: number, m: number = n, k = 0, dtype: DType = 'float32'): Tensor {
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 0 || m < 0)
    throw new ValueError(`tri: n and m must be non-negative integers, got ${n} and ${m}`);
  return tril(ones([n, m], dtype), k);
}

/** The n × n identity matrix. Shape: `[n, n]`. @example identity(2) // [[1, 0], [0, 1]] */
export function identity(n: number, dtype: DType = 'float32'): Tensor {
  return eye(n, n, dtype);
}

/**
 * The n-th discrete difference along `axis`.
 *
 * Formula: out[i] = x[i + 1] − x[i], applied n times.
 *
 * Shape: x's shape with `axis` shortened by n (to at least 0).
 * @example diff(tensor([1, 4, 9, 16])) // [3, 5, 7]
 */
export function diff(x: TensorLike, n = 1, axis = -1): Tensor {
  let t = convertToTensor(x, 'diff', 'x');
  if (!Number.isInteger(n) || n < 0)
    throw new ValueError(`diff: n must be a non-negative integer, got ${n}`);
  if (t.rank === 0) throw new ValueError('diff: x must have rank >= 1, got a scalar');
  const ax = normalizeAxis(axis, t.rank, 'diff');
  for (let i = 0; i < n; i++) {
    const d = t.shape[ax]!;
    if (d === 0) break;
    const size = t.shape.map((s, j) => (j === ax ? d - 1 : s));
    const hi = slice(
      t,
      t.shape.map((_, j) => (j === ax ? 1 : 0)),
      size,
    );
    const lo = slice(
      t,
      t.shape.map(() => 0),
      size,
    );
    t = t.dtype === 'bool' ? hi.cast('int32').notEqual(lo.cast('int32')) : sub(hi, lo);
  }
  return t;
}
