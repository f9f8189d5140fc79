/**
 * Keras ops that are compositions of existing primitives: `tensordot` (through einsum),
 * `logicalXor`, `meshgrid`, `erfinv` (Newton steps on `erf`, with its own gradient), and the
 * segment reductions `segmentSum` (a scatter-add) and `segmentMax` (the winners gathered, so
 * the gradient goes to them).
 */
import { customGrad } from '../autograd/grad.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { ones, tensor } from './creation.js';
import { einsum } from './einsum.js';
import {
  div,
  erf,
  exp,
  isFinite as isFiniteT,
  logicalNot,
  mul,
  neg,
  notEqual,
  square,
  sub,
  where,
} from './elementwise.js';
import { concat, gather, reshape, scatterAdd } from './movement.js';
import { prod } from './reduce.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * Sums products over axes of two tensors (numpy's and Keras's `tensordot`): `axes` a number
 * n (the last n axes of `a` with the first n of `b`) or two lists of paired axes.
 *
 * Formula: `out[i…, j…] = Σ_k a[i…, k…] · b[k…, j…]`.
 *
 * Shape: a's free axes, then b's free axes.
 * @example tensordot(a, b, 1) // matmul for matrices
 * @example tensordot(a, b, [[1, 0], [0, 1]])
 */
export function tensordot(
  aIn: TensorLike,
  bIn: TensorLike,
  axes: number | readonly [readonly number[] | number, readonly number[] | number] = 2,
): Tensor {
  const op = 'tensordot';
  const a = convertToTensor(aIn, op, 'a');
  const b = convertToTensor(bIn, op, 'b');
  if (a.rank + b.rank > 26)
    throw new ValueError(`${op}: ranks ${a.rank} and ${b.rank} are too many axes`);
  let ax: number[];
  let bx: number[];
  if (typeof axes === 'number') {
    if (!Number.isInteger(axes) || axes < 0 || axes > a.rank || axes > b.rank)
      throw new ValueError(
        `${op}: axes must be an integer in [0, ${Math.min(a.rank, b.rank)}], got ${axes}`,
      );
    ax = Array.from({ length: axes }, (_, i) => a.rank - axes + i);
    bx = Array.from({ length: axes }, (_, i) => i);
  } else {
    const [p, q] = axes;
    ax = (typeof p === 'number' ? [p] : [...p]).map((x) => (x < 0 ? x + a.rank : x));
    bx = (typeof q === 'number' ? [q] : [...q]).map((x) => (x < 0 ? x + b.rank : x));
    if (ax.length !== bx.length)
      throw new ValueError(`${op}: ${ax.length} axes of a paired with ${bx.length} of b`);
  }
  const la = [...LETTERS.slice(0, a.rank)];
  const lb = [...LETTERS.slice(a.rank, a.rank + b.rank)];
  ax.forEach((x, i) => {
    const y = bx[i]!;
    if (
      x < 0 ||
      x >= a.rank ||
      y < 0 ||
      y >= b.rank ||
      !Number.isInteger(x) ||
      !Number.isInteger(y)
    )
      throw new ValueError(
        `${op}: axis pair (${x}, ${y}) is out of range for ranks ${a.rank} and ${b.rank}`,
      );
    if (a.shape[x] !== b.shape[y])
      throw new ShapeError(
        `${op}: axis ${x} of a ${fmtShape(a.shape)} is ${a.shape[x]}, axis ${y} of b ${fmtShape(b.shape)} is ${b.shape[y]}`,
      );
    lb[y] = la[x]!;
  });
  const out = [
    ...la.filter((_, i) => !ax.includes(i)),
    ...lb.filter((_, i) => !bx.includes(i)),
  ].join('');
  return einsum(`${la.join('')},${lb.join('')}->${out}`, a, b);
}

/** a XOR b, elementwise (bool). @example logicalXor(tensor([true, true]), tensor([true, false])) // [false, true] */
export function logicalXor(a: TensorLike, b: TensorLike): Tensor {
  const x = convertToTensor(a, 'logicalXor', 'a');
  const y = convertToTensor(b, 'logicalXor', 'b');
  return notEqual(x.dtype === 'bool' ? x : x.cast('bool'), y.dtype === 'bool' ? y : y.cast('bool'));
}

/**
 * Coordinate grids from 1-D vectors (numpy's `meshgrid`): `'xy'` (default) swaps the first
 * two output axes, `'ij'` keeps the inputs' order.
 *
 * Shape: n vectors of lengths L0…Ln−1 → n tensors of shape `[L1, L0, L2…]` ('xy') or
 * `[L0, L1, …]` ('ij').
 * @example const [xx, yy] = meshgrid([tensor([1, 2, 3]), tensor([4, 5])]); // each [2, 3]
 */
export function meshgrid(xs: readonly TensorLike[], indexing: 'xy' | 'ij' = 'xy'): Tensor[] {
  if (indexing !== 'xy' && indexing !== 'ij')
    throw new ValueError(`meshgrid: indexing must be 'xy' or 'ij', got '${indexing}'`);
  const ts = xs.map((x, i) => {
    const t = convertToTensor(x, 'meshgrid', `xs[${i}]`);
    return t.rank === 1 ? t : reshape(t, [-1]);
  });
  const lens = ts.map((t) => t.shape[0]!);
  const shape = [...lens];
  if (indexing === 'xy' && shape.length >= 2) [shape[0], shape[1]] = [shape[1]!, shape[0]!];
  return ts.map((t, i) => {
    const axis = indexing === 'xy' && i < 2 && ts.length >= 2 ? 1 - i : i;
    const view = shape.map((d, j) => (j === axis ? d : 1));
    return reshape(t, view).broadcastTo(shape);
  });
}

/**
 * The inverse error function: erfinv(erf(x)) = x on (−1, 1), ±∞ at ±1, NaN outside.
 * Computed from Giles's approximation refined by Newton steps on `erf`; its gradient is
 * √π/2 · exp(erfinv(x)²).
 *
 * Formula: y such that erf(y) = x.
 *
 * Shape: same as x (float).
 * @example erfinv(tensor([0, 0.5])) // [0, 0.4769363]
 */
export const erfinv: (x: TensorLike) => Tensor = (x) => erfinvOp(floatOf(x));

function floatOf(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'erfinv', 'x');
  return t.dtype === 'float32' || t.dtype === 'float64' ? t : t.cast('float32');
}

const erfinvOp = customGrad((x: Tensor) => {
  // Giles (2010), "Approximating the erfinv function": a single-precision start.
  const v = Float64Array.from(x.dataSync(), giles);
  let y = tensor(x.dtype === 'float64' ? v : Float32Array.from(v), x.shape, x.dtype);
  // Newton on f(y) = erf(y) − x: y ← y − f / (2/√π · e^{−y²}); where |x| = 1 y stays ±∞.
  const finite = isFiniteT(y);
  for (let i = 0; i < 2; i++) {
    const step = div(sub(erf(y), x), mul(exp(neg(square(y))), 2 / Math.sqrt(Math.PI)));
    y = sub(y, where(finite, step, 0));
  }
  const out = y;
  return {
    value: out,
    gradFunc: (dy: Tensor) => [mul(dy, mul(exp(square(out)), Math.sqrt(Math.PI) / 2))],
  };
});

function giles(x: number): number {
  if (Number.isNaN(x) || x < -1 || x > 1) return Number.NaN;
  if (x === 1) return Number.POSITIVE_INFINITY;
  if (x === -1) return Number.NEGATIVE_INFINITY;
  let w = -Math.log((1 - x) * (1 + x));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-8;
    for (const c of [
      3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164,
      0.246640727, 1.50140941,
    ])
      p = c + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    for (const c of [
      0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
      1.00167406, 2.83297682,
    ])
      p = c + p * w;
  }
  return p * x;
}

/** Segment ids as host integers with the segment count (Keras: max id + 1 by default). */
function segments(
  op: string,
  data: Tensor,
  idsIn: TensorLike,
  numSegments: number | null | undefined,
): { ids: Int32Array; n: number } {
  const idsT = convertToTensor(idsIn, op, 'segmentIds', 'int32');
  if (idsT.rank !== 1 || idsT.shape[0] !== data.shape[0])
    throw new ShapeError(
      `${op}: segmentIds must be 1-D with one id per row of data ${fmtShape(data.shape)}, got ${fmtShape(idsT.shape)}`,
    );
  const ids = Int32Array.from(idsT.dataSync(), (v) => {
    if (!Number.isInteger(v)) throw new ValueError(`${op}: segment id ${v} is not an integer`);
    return v;
  });
  const n = numSegments ?? ids.reduce((m, v) => Math.max(m, v + 1), 0);
  if (!Number.isInteger(n) || n < 0)
    throw new ValueError(`${op}: numSegments must be a non-negative integer, got ${numSegments}`);
  for (const v of ids)
    if (v >= n) throw new ValueError(`${op}: segment id ${v} is not below numSegments ${n}`);
  return { ids, n };
}

/**
 * Sums the rows of `data` by segment (Keras's `segment_sum`); rows with a negative id are
 * left out, as Keras does.
 *
 * Formula: `out[s] = Σ_{i: ids[i] = s} data[i]`.
 *
 * Shape: `data [N, ...]`, ids `[N]` → `[numSegments, ...]`.
 * @example segmentSum(tensor([1, 2, 3]), tensor([0, 0, 1], undefined, 'int32')) // [3, 3]
 */
export function segmentSum(
  dataIn: TensorLike,
  segmentIds: TensorLike,
  numSegments?: number | null,
): Tensor {
  const data = convertToTensor(dataIn, 'segmentSum', 'data');
  if (data.rank === 0) throw new ShapeError('segmentSum: data needs a rows axis, got a scalar');
  const { ids, n } = segments('segmentSum', data, segmentIds, numSegments);
  const keep = [...ids.keys()].filter((i) => ids[i]! >= 0);
  const rows = keep.length === ids.length ? data : gather(data, Int32Array.from(keep));
  return scatterAdd(
    rows,
    Int32Array.from(keep, (i) => ids[i]!),
    [n, ...data.shape.slice(1)],
    0,
  );
}

/**
 * Multiplies the rows of `data` by segment (Keras's `segment_prod`): an empty segment is 1,
 * rows with a negative id are left out. Written as a gather of each segment's rows (padded
 * with ones) and a product, so the gradient is prod's (zeros included).
 *
 * Formula: `out[s] = Π_{i: ids[i] = s} data[i]` (elementwise over the other axes).
 *
 * Shape: `data [N, ...]`, ids `[N]` → `[numSegments, ...]`.
 * @example segmentProd(tensor([2, 5, 3]), tensor([0, 0, 1], undefined, 'int32')) // [10, 3]
 */
export function segmentProd(
  dataIn: TensorLike,
  segmentIds: TensorLike,
  numSegments?: number | null,
): Tensor {
  const data = convertToTensor(dataIn, 'segmentProd', 'data');
  if (data.rank === 0) throw new ShapeError('segmentProd: data needs a rows axis, got a scalar');
  const { ids, n } = segments('segmentProd', data, segmentIds, numSegments);
  const members: number[][] = Array.from({ length: n }, () => []);
  ids.forEach((s, i) => {
    if (s >= 0) members[s]!.push(i);
  });
  const width = members.reduce((w, m) => Math.max(w, m.length), 1);
  // Row N of the padded data is all ones: the filler of shorter (and empty) segments.
  const rows = data.shape[0]!;
  const idx = new Int32Array(n * width).fill(rows);
  members.forEach((m, s) => {
    for (let j = 0; j < m.length; j++) idx[s * width + j] = m[j]!;
  });
  const inner = data.shape.slice(1);
  const padded = concat([data, ones([1, ...inner], data.dtype)], 0);
  return prod(reshape(gather(padded, idx), [n, width, ...inner]), 1);
}

/**
 * The largest row entry per segment (Keras's `segment_max`): an empty segment is −∞, rows with
 * a negative id are left out. The gradient goes to the first row holding each maximum.
 *
 * Formula: `out[s] = max_{i: ids[i] = s} data[i]` (elementwise over the other axes).
 *
 * Shape: `data [N, ...]`, ids `[N]` → `[numSegments, ...]`.
 * @example segmentMax(tensor([1, 5, 3]), tensor([0, 0, 1], undefined, 'int32')) // [5, 3]
 */
export function segmentMax(
  dataIn: TensorLike,
  segmentIds: TensorLike,
  numSegments?: number | null,
): Tensor {
  const data = convertToTensor(dataIn, 'segmentMax', 'data');
  if (data.rank === 0) throw new ShapeError('segmentMax: data needs a rows axis, got a scalar');
  const { ids, n } = segments('segmentMax', data, segmentIds, numSegments);
  const inner = data.size / Math.max(1, data.shape[0]!);
  const values = data.dataSync();
  // Per segment and inner position, the flat index of the winning element (−1: empty).
  const win = new Int32Array(n * inner).fill(-1);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0) continue;
    for (let j = 0; j < inner; j++) {
      const at = s * inner + j;
      const cur = win[at]!;
      const v = values[i * inner + j]!;
      if (cur < 0 || v > values[cur]! || (Number.isNaN(v) && !Number.isNaN(values[cur]!)))
        win[at] = i * inner + j;
    }
  }
  const empty = win.some((w) => w < 0);
  const flat = reshape(data, [-1]);
  const idx = Int32Array.from(win, (w) => Math.max(0, w));
  let out = reshape(gather(flat, idx), [n, ...data.shape.slice(1)]);
  if (empty) {
    const isEmpty = tensor(
      Uint8Array.from(win, (w) => (w < 0 ? 1 : 0)),
      out.shape,
      'bool',
    );
    out = where(logicalNot(isEmpty), out, Number.NEGATIVE_INFINITY);
  }
  return out;
}
