/**
 * Ops that rearrange elements, NumPy semantics under Keras's names: flip, roll, repeat, triu,
 * tril and takeAlongAxis. Each is a composite of movement and elementwise ops (strided slice,
 * slice + concat, gather, where), so its gradient is theirs: a reversal, a roll back, a
 * scatter-add of the repeated copies, the same mask, a scatter-add to the taken positions.
 */
import { noGrad } from '../autograd/tape.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { broadcastShapes, normalizeAxes, normalizeAxis } from '../tensor/shape.js';
import { Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { add, cast, less, mul, where } from './elementwise.js';
import {
  broadcastTo,
  concat,
  gather,
  reshape,
  slice,
  stridedSlice,
  validIndices,
} from './movement.js';

/**
 * Reverses the order of elements along `axis` (a number, a list, or all axes when undefined).
 * The gradient is the upstream gradient flipped the same way.
 *
 * Formula: `y[…, i, …] = x[…, n − 1 − i, …]` on each flipped axis of length n.
 *
 * Shape: `x.shape`.
 * @example flip(tensor([[1, 2], [3, 4]]), 1) // [[2, 1], [4, 3]]
 */
export function flip(x: TensorLike, axis?: number | readonly number[] | null): Tensor {
  const t = convertToTensor(x, 'flip', 'x');
  const axes = normalizeAxes(axis, t.rank, 'flip');
  if (axes.length === 0) return t;
  const rev = (d: number) => axes.includes(d);
  return stridedSlice(
    t,
    t.shape.map((n, d) => (rev(d) ? n - 1 : 0)),
    t.shape.map((n, d) => (rev(d) ? -n - 1 : n)),
    t.shape.map((_, d) => (rev(d) ? -1 : 1)),
  );
}

/** `t` rolled by `s` (already in [0, n)) along `ax`: the last `s` elements move to the front. */
function rollAlong(t: Tensor, s: number, ax: number): Tensor {
  const n = t.shape[ax]!;
  if (s === 0) return t;
  const tail = slice(
    t,
    t.shape.map((_, d) => (d === ax ? n - s : 0)),
    t.shape.map((dim, d) => (d === ax ? s : dim)),
  );
  const head = slice(
    t,
    t.shape.map(() => 0),
    t.shape.map((dim, d) => (d === ax ? n - s : dim)),
  );
  return concat([tail, head], ax);
}

/**
 * Rolls elements along `axis` by `shift` positions, wrapping around (NumPy's `roll`). `axis`
 * undefined rolls the flattened tensor and restores the shape; lists of shifts and axes pair up
 * (one of them may have length 1) and shifts on the same axis add. The gradient rolls back.
 *
 * Formula: `y[…, (i + shift) mod n, …] = x[…, i, …]`.
 *
 * Shape: `x.shape`.
 * @example roll(tensor([1, 2, 3, 4]), 1) // [4, 1, 2, 3]
 */
export function roll(
  x: TensorLike,
  shift: number | readonly number[],
  axis?: number | readonly number[] | null,
): Tensor {
  const t = convertToTensor(x, 'roll', 'x');
  const shifts = typeof shift === 'number' ? [shift] : [...shift];
  if (shifts.some((s) => !Number.isInteger(s))) {
    throw new ValueError(
      `roll: shift must be an integer or a list of integers, got ${String(shift)}`,
    );
  }
  const wrapShift = (s: number, n: number) => (n === 0 ? 0 : ((s % n) + n) % n);
  if (axis === undefined || axis === null) {
    const total = shifts.reduce((a, s) => a + s, 0);
    return reshape(rollAlong(reshape(t, [-1]), wrapShift(total, t.size), 0), t.shape);
  }
  const axes = (typeof axis === 'number' ? [axis] : [...axis]).map((a) =>
    normalizeAxis(a, t.rank, 'roll'),
  );
  const len = Math.max(shifts.length, axes.length);
  if (
    (shifts.length !== len && shifts.length !== 1) ||
    (axes.length !== len && axes.length !== 1)
  ) {
    throw new ValueError(
      `roll: shift [${shifts.join(', ')}] and axis [${axes.join(', ')}] must have the same length (or one of length 1)`,
    );
  }
  const perAxis = new Map<number, number>();
  for (let i = 0; i < len; i++) {
    const a = axes[axes.length === 1 ? 0 : i]!;
    perAxis.set(a, (perAxis.get(a) ?? 0) + shifts[shifts.length === 1 ? 0 : i]!);
  }
  let y = t;
  for (const [a, s] of perAxis) y = rollAlong(y, wrapShift(s, t.shape[a]!), a);
  return y;
}

/**
 * Repeats each element `repeats` times along `axis` (NumPy's `repeat`): `repeats` is one count
 * for every element or a list with one count per position of the axis. `axis` undefined repeats
 * the flattened tensor. The gradient sums the copies of each element.
 *
 * Formula: along the axis, element j appears `repeats[j]` times, in order.
 *
 * Shape: `x.shape` with the axis of length `Σ repeats` (`[x.size · repeats]` flattened).
 * @example repeat(tensor([[1, 2], [3, 4]]), [1, 2], 0) // [[1, 2], [3, 4], [3, 4]]
 */
export function repeat(
  x: TensorLike,
  repeats: number | readonly number[],
  axis?: number | null,
): Tensor {
  let t = convertToTensor(x, 'repeat', 'x');
  if (axis === undefined || axis === null) t = reshape(t, [-1]);
  else if (t.rank === 0)
    throw new ShapeError(`repeat: x must have rank >= 1 for axis ${axis}, got a scalar`);
  const ax = axis === undefined || axis === null ? 0 : normalizeAxis(axis, t.rank, 'repeat');
  const n = t.shape[ax]!;
  const reps = typeof repeats === 'number' ? [repeats] : [...repeats];
  if (reps.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new ValueError(
      `repeat: repeats must be non-negative integers, got ${JSON.stringify(repeats)}`,
    );
  }
  if (reps.length !== 1 && reps.length !== n) {
    throw new ShapeError(
      `repeat: repeats must have 1 or ${n} entries (axis ${ax} of shape ${fmtShape(t.shape)}), got ${reps.length}`,
    );
  }
  const idx: number[] = [];
  for (let j = 0; j < n; j++) {
    const r = reps.length === 1 ? reps[0]! : reps[j]!;
    for (let c = 0; c < r; c++) idx.push(j);
  }
  return gather(t, tensor(Int32Array.from(idx), [idx.length], 'int32'), ax);
}

/** Keeps the band of the last two axes where `keep(j − i)` and zeroes the rest. */
function triangle(x: TensorLike, k: number, op: string, keep: (d: number) => boolean): Tensor {
  const t = convertToTensor(x, op, 'x');
  if (t.rank < 2) {
    throw new ShapeError(
      `${op}: x must have rank >= 2 (a matrix or a batch of them), got shape ${fmtShape(t.shape)}`,
    );
  }
  if (!Number.isInteger(k)) throw new ValueError(`${op}: k must be an integer, got ${k}`);
  const m = t.shape[t.rank - 2]!;
  const n = t.shape[t.rank - 1]!;
  const mask = noGrad(() =>
    tensor(
      Array.from({ length: m * n }, (_, p) => keep((p % n) - Math.floor(p / n))),
      [m, n],
      'bool',
    ),
  );
  return where(mask, t, 0);
}

/**
 * The upper triangle of the last two axes: elements on and above diagonal `k` (0 the main
 * diagonal, > 0 above it, < 0 below), zeros elsewhere. The gradient passes through the kept
 * elements only.
 *
 * Formula: `y[…, i, j] = x[…, i, j]` if `j − i ≥ k`, else 0.
 *
 * Shape: `x.shape` (rank ≥ 2).
 * @example triu(tensor([[1, 2], [3, 4]])) // [[1, 2], [0, 4]]
 */
export function triu(x: TensorLike, k = 0): Tensor {
  return triangle(x, k, 'triu', (d) => d >= k);
}

/**
 * The lower triangle of the last two axes: elements on and below diagonal `k`, zeros elsewhere.
 * The gradient passes through the kept elements only.
 *
 * Formula: `y[…, i, j] = x[…, i, j]` if `j − i ≤ k`, else 0.
 *
 * Shape: `x.shape` (rank ≥ 2).
 * @example tril(tensor([[1, 2], [3, 4]])) // [[1, 0], [3, 4]]
 */
export function tril(x: TensorLike, k = 0): Tensor {
  return triangle(x, k, 'tril', (d) => d <= k);
}

/** Indices as an int32 tensor: a tensor must be int32, a plain array must hold integers. */
function indexTensor(indices: TensorLike, op: string): Tensor {
  if (indices instanceof Tensor) {
    if (indices.dtype !== 'int32') {
      throw new DTypeError(`${op}: indices must be an int32 tensor, got ${indices.dtype}`);
    }
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
 * Picks values of `x` along `axis` at `indices` (NumPy's and Keras's `take_along_axis`): the
 * indices have the rank of `x`, negative ones count from the end, and the other axes broadcast
 * between the two. `axis` null works on the flattened `x` with 1-D indices. The gradient is a
 * scatter-add to the taken positions (repeated indices add up).
 *
 * Formula: `y[…, i, …] = x[…, indices[…, i, …], …]`.
 *
 * Shape: the broadcast of `x.shape` and `indices.shape` off the axis, `indices.shape[axis]` on it.
 * @example takeAlongAxis(tensor([[10, 30, 20]]), [[1, 2]], 1) // [[30, 20]]
 */
export function takeAlongAxis(x: TensorLike, indices: TensorLike, axis: number | null): Tensor {
  const op = 'takeAlongAxis';
  let t = convertToTensor(x, op, 'x');
  let idx = indexTensor(indices, op);
  if (axis === null) {
    t = reshape(t, [-1]);
    if (idx.rank !== 1) {
      throw new ShapeError(
        `${op}: with axis null, indices must be 1-D, got shape ${fmtShape(idx.shape)}`,
      );
    }
  }
  if (t.rank === 0) throw new ShapeError(`${op}: x must have rank >= 1, got a scalar`);
  if (idx.rank !== t.rank) {
    throw new ShapeError(
      `${op}: indices must have the rank of x (${t.rank}), got shape ${fmtShape(idx.shape)} for x ${fmtShape(t.shape)}`,
    );
  }
  const ax = axis === null ? 0 : normalizeAxis(axis, t.rank, op);
  const n = t.shape[ax]!;
  const offAxis = (s: readonly number[]) => s.map((d, i) => (i === ax ? 1 : d));
  const common = broadcastShapes(offAxis(t.shape), offAxis(idx.shape), op);
  const xShape = common.map((d, i) => (i === ax ? n : d));
  const outShape = common.map((d, i) => (i === ax ? idx.shape[ax]! : d));
  t = broadcastTo(t, xShape);
  idx = broadcastTo(idx, outShape);
  const inRange = validIndices(
    where(less(idx, 0), add(idx, n), idx),
    n,
    op,
    `${op}: indices must lie in [${-n}, ${n}) for axis ${ax} of shape ${fmtShape(xShape)}, got one that resolves to {value}`,
    `${op}: indices must be integers, got {value}`,
  );
  // Flat position = (the line's start in x) + index · (stride of the axis).
  const inner = xShape.slice(ax + 1).reduce((a, d) => a * d, 1);
  const k = outShape[ax]!;
  const size = outShape.reduce((a, d) => a * d, 1);
  const base = new Int32Array(size);
  for (let p = 0; p < size; p++) {
    base[p] = Math.floor(p / (k * inner)) * n * inner + (p % inner);
  }
  const flat = add(tensor(base, outShape, 'int32'), mul(inRange, inner));
  return gather(reshape(t, [-1]), flat);
}
