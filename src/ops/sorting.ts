/**
 * Sorting along an axis: sort, argsort and topK (Keras's `top_k`). The order is computed on the
 * host from the values (a read of `x`, as the top-k metrics do), then the values are taken with
 * a flat {@link gather}, so their gradient is gather's: a scatter-add back to the source
 * positions. The indices are int32 and carry no gradient.
 */
import { noGrad } from '../autograd/tape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { normalizeAxis } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { gather, reshape } from './movement.js';

/** Ascending order of two values, NaN after every number (NumPy's rule). */
function ascending(a: number, b: number): number {
  const na = a !== a;
  const nb = b !== b;
  if (na || nb) return na === nb ? 0 : na ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Descending order of two values, NaN before every number (as torch.topk, and argmax here). */
function descending(a: number, b: number): number {
  return ascending(b, a);
}

/**
 * For every line of `t` along `ax`, the positions of its elements in a stable order under
 * `cmp`; `perm[o·n·inner + r·inner + i]` is the axis position of rank `r` in line (o, i).
 */
function linePermutation(t: Tensor, ax: number, cmp: (a: number, b: number) => number): Int32Array {
  const v = noGrad(() => t.dataSync());
  const n = t.shape[ax]!;
  const inner = t.shape.slice(ax + 1).reduce((a, d) => a * d, 1);
  const outer = t.shape.slice(0, ax).reduce((a, d) => a * d, 1);
  const perm = new Int32Array(t.size);
  const order = new Array<number>(n);
  const line = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let r = 0; r < n; r++) {
        order[r] = r;
        line[r] = Number(v[base + r * inner]);
      }
      // Array.prototype.sort is stable (ES2019): equal values keep their index order.
      order.sort((p, q) => cmp(line[p]!, line[q]!));
      for (let r = 0; r < n; r++) perm[base + r * inner] = order[r]!;
    }
  }
  return perm;
}

/** Flat positions in `shape` of the elements named by a per-line permutation along `ax`. */
function flatPositions(perm: Int32Array, shape: readonly number[], ax: number): Int32Array {
  const n = shape[ax]!;
  const inner = shape.slice(ax + 1).reduce((a, d) => a * d, 1);
  const flat = new Int32Array(perm.length);
  for (let p = 0; p < perm.length; p++) {
    const i = p % inner;
    const o = Math.floor(p / (n * inner));
    flat[p] = o * n * inner + perm[p]! * inner + i;
  }
  return flat;
}

/** `x` (flattened) at int32 flat positions, shaped `shape`: gather's gradient included. */
function takeFlat(x: Tensor, flat: Int32Array, shape: readonly number[]): Tensor {
  return reshape(gather(reshape(x, [-1]), tensor(flat, [flat.length], 'int32')), shape);
}

/** `x` and the axis it is sorted on (`null`: the flattened tensor, axis 0). */
function sortInput(x: TensorLike, axis: number | null, op: string): [Tensor, number] {
  let t = convertToTensor(x, op, 'x');
  if (axis === null) t = reshape(t, [-1]);
  if (t.rank === 0) {
    throw new ShapeError(`${op}: x must have rank >= 1 (or axis null), got a scalar`);
  }
  return [t, normalizeAxis(axis ?? 0, t.rank, op)];
}

/**
 * Sorts along `axis` in ascending order; NaN goes last, as in NumPy. `axis` null sorts the
 * flattened tensor. The gradient flows back to each value's source position.
 *
 * Formula: `y[…, r, …] = x[…, argsort(x)[…, r, …], …]`.
 *
 * Shape: `x.shape` (`[x.size]` when `axis` is null).
 * @example sort(tensor([[3, 1, 2], [0, NaN, -1]])) // [[1, 2, 3], [-1, 0, NaN]]
 */
export function sort(x: TensorLike, axis: number | null = -1): Tensor {
  const [t, ax] = sortInput(x, axis, 'sort');
  const perm = linePermutation(t, ax, ascending);
  return takeFlat(t, flatPositions(perm, t.shape, ax), t.shape);
}

/**
 * The indices (int32) that sort `x` along `axis` in ascending order; stable (equal values keep
 * their order), NaN last. `axis` null sorts the flattened tensor. Not differentiable.
 *
 * Formula: `x[…, y[…, r, …], …]` is non-decreasing in `r`.
 *
 * Shape: `x.shape` (`[x.size]` when `axis` is null).
 * @example argsort(tensor([3, 1, 2, 1])) // [1, 3, 2, 0]
 */
export function argsort(x: TensorLike, axis: number | null = -1): Tensor {
  const [t, ax] = sortInput(x, axis, 'argsort');
  return tensor(linePermutation(t, ax, ascending), t.shape, 'int32');
}

/** What {@link topK} returns. */
export interface TopKResult {
  /** The k largest values of each last-axis line, in `x`'s dtype. */
  values: Tensor;
  /** Their positions on the last axis (int32). */
  indices: Tensor;
}

/**
 * The `k` largest entries of each line along the last axis and their indices (Keras's `top_k`).
 * With `sorted` they come largest first; equal values come lower index first (as torch.topk and
 * tf.math.top_k) and NaN counts as the largest. With `sorted` false they come in index order.
 * The gradient of `values` flows back to the selected positions.
 *
 * Formula: `indices[…, :] = argsort(−x)[…, :k]`, `values = takeAlongAxis(x, indices, −1)`.
 *
 * Shape: `x.shape[:-1] + [k]` for both.
 * @example topK(tensor([1, 3, 2, 3]), 2) // { values: [3, 3], indices: [1, 3] }
 */
export function topK(x: TensorLike, k: number, sorted = true): TopKResult {
  const t = convertToTensor(x, 'topK', 'x');
  if (t.rank === 0) throw new ShapeError('topK: x must have rank >= 1, got a scalar');
  const n = t.shape[t.rank - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ValueError(
      `topK: k must be an integer in [0, ${n}] (the last axis of shape ${fmtShape(t.shape)}), got ${k}`,
    );
  }
  const ax = t.rank - 1;
  const perm = linePermutation(t, ax, descending);
  const lines = t.shape.slice(0, -1).reduce((a, d) => a * d, 1);
  const idx = new Int32Array(lines * k);
  const flat = new Int32Array(lines * k);
  for (let l = 0; l < lines; l++) {
    const chosen = perm.slice(l * n, l * n + k);
    // Int32Array's sort is numeric: index order for an unsorted result.
    if (!sorted) chosen.sort();
    idx.set(chosen, l * k);
    for (let j = 0; j < k; j++) flat[l * k + j] = l * n + chosen[j]!;
  }
  const outShape = [...t.shape.slice(0, -1), k];
  return {
    values: takeFlat(t, flat, outShape),
    indices: tensor(idx, outShape, 'int32'),
  };
}
