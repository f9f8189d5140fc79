/**
 * Keras's `ops.linalg` composites on top of the decompositions: `norm` (vector and matrix
 * norms), `lstsq` (least squares through the pseudo-inverse) and `choleskyInverse` (Keras's
 * `cholesky_inverse`). They are written in differentiable ops, so their gradients come from
 * those of `svd`, `pinv`, `triangularSolve`, the reductions and the products.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { eye } from './creation.js';
import { abs, cast, notEqual, pow, sqrt, square } from './elementwise.js';
import { triangularSolve } from './linalg.js';
import { mT, matrixInput, pinv, svd } from './linalg_decomp.js';
import { matmul } from './matmul.js';
import { broadcastTo, transpose } from './movement.js';

/** The `ord` of {@link norm}: a number (±Infinity included), 'fro', 'nuc' or null (default). */
export type NormOrd = number | 'fro' | 'nuc' | null;

function floatInput(x: TensorLike, op: string, what: string): Tensor {
  const t = convertToTensor(x, op, what);
  if (t.dtype === 'bool') throw new DTypeError(`${op}: ${what} must be a float tensor, got bool`);
  return t.dtype === 'int32' ? t.cast('float32') : t;
}

function vectorNorm(t: Tensor, ord: NormOrd, ax: number, keepdims: boolean): Tensor {
  if (typeof ord === 'string')
    throw new ValueError(`norm: ord '${ord}' is a matrix norm; a vector norm takes a number`);
  if (ord === null || ord === 2) return sqrt(square(t).sum(ax, keepdims));
  if (ord === Number.POSITIVE_INFINITY) return abs(t).max(ax, keepdims);
  if (ord === Number.NEGATIVE_INFINITY) return abs(t).min(ax, keepdims);
  if (ord === 0) return cast(notEqual(t, 0), t.dtype).sum(ax, keepdims);
  if (ord === 1) return abs(t).sum(ax, keepdims);
  return pow(pow(abs(t), ord).sum(ax, keepdims), 1 / ord);
}

function matrixNorm(t: Tensor, ord: NormOrd, r: number, c: number, keepdims: boolean): Tensor {
  let y: Tensor;
  if (ord === null || ord === 'fro') {
    y = sqrt(square(t).sum([r, c]));
  } else if (ord === 'nuc' || ord === 2 || ord === -2) {
    const perm = [...t.shape.keys()].filter((d) => d !== r && d !== c);
    const s = svd(transpose(t, [...perm, r, c]), false, false);
    y = ord === 'nuc' ? s.sum(-1) : ord === 2 ? s.max(-1) : s.min(-1);
  } else if (ord === 1 || ord === -1) {
    const cols = abs(t).sum(r);
    const c2 = c > r ? c - 1 : c;
    y = ord === 1 ? cols.max(c2) : cols.min(c2);
  } else if (ord === Number.POSITIVE_INFINITY || ord === Number.NEGATIVE_INFINITY) {
    const rows = abs(t).sum(c);
    const r2 = r > c ? r - 1 : r;
    y = ord > 0 ? rows.max(r2) : rows.min(r2);
  } else {
    throw new ValueError(
      `norm: ord ${ord} is not a matrix norm (expected null, 'fro', 'nuc', ±1, ±2 or ±Infinity)`,
    );
  }
  if (!keepdims) return y;
  return y.reshape(t.shape.map((d, i) => (i === r || i === c ? 1 : d)));
}

/**
 * A vector or matrix norm (Keras's `norm`, numpy's rules). `axis` null: the 2-norm of all
 * elements when `ord` is null, else a vector norm of a rank-1 or a matrix norm of a rank-2
 * input; one axis: vector norms (`ord` null/2, 1, ±Infinity, 0 (count of nonzeros) or any p);
 * two axes: matrix norms ('fro' / null, 'nuc', ±1 (column sums), ±2 (extreme singular values),
 * ±Infinity (row sums)). Integer input gives float32.
 *
 * Formula: vector `‖x‖_p = (Σ|xᵢ|ᵖ)^(1/p)`; matrix 'fro' `√Σ x²`, 'nuc' `Σ sᵢ`, 2 `max sᵢ`.
 *
 * Shape: `x.shape` without the reduced axes (kept as 1 with `keepdims`).
 * @example norm(tensor([[3, 0], [0, 4]])) // 5; norm(tensor([3, -4]), 1) // 7
 */
export function norm(
  x: TensorLike,
  ord: NormOrd = null,
  axis: number | readonly number[] | null = null,
  keepdims = false,
): Tensor {
  const t = floatInput(x, 'norm', 'x');
  if (typeof ord === 'string' && ord !== 'fro' && ord !== 'nuc')
    throw new ValueError(`norm: ord must be a number, 'fro', 'nuc' or null, got '${ord}'`);
  if (typeof ord === 'number' && Number.isNaN(ord)) throw new ValueError('norm: ord is NaN');
  const nd = t.rank;
  let axes: number[];
  if (axis === null) {
    if (ord === null || (ord === 'fro' && nd === 2) || (ord === 2 && nd === 1)) {
      const y = sqrt(square(t).sum());
      return keepdims ? y.reshape(t.shape.map(() => 1)) : y;
    }
    if (nd !== 1 && nd !== 2)
      throw new ShapeError(
        `norm: ord ${String(ord)} without axis needs a vector or a matrix, got ${fmtShape(t.shape)}`,
      );
    axes = nd === 1 ? [0] : [0, 1];
  } else {
    const list = typeof axis === 'number' ? [axis] : [...axis];
    axes = list.map((a) => {
      if (!Number.isInteger(a) || a < -nd || a >= nd)
        throw new ValueError(`norm: axis ${a} is out of range for shape ${fmtShape(t.shape)}`);
      return a < 0 ? a + nd : a;
    });
    if (new Set(axes).size !== axes.length)
      throw new ValueError(`norm: duplicate axes [${list.join(', ')}]`);
  }
  if (axes.length === 1) return vectorNorm(t, ord, axes[0]!, keepdims);
  if (axes.length === 2) return matrixNorm(t, ord, axes[0]!, axes[1]!, keepdims);
  throw new ValueError(`norm: axis must name 1 or 2 axes, got ${axes.length}`);
}

/**
 * The least-squares solution of `a · x = b` (Keras's `lstsq`): x minimizes `‖a x − b‖` and,
 * among those, `‖x‖`. Singular values ≤ rcond·max(s) count as zero; rcond null is
 * `eps·max(m, n)` (numpy's default). Batched over leading axes (Keras takes one matrix).
 *
 * Formula: `x = A⁺ b`; gradients those of `pinv` and the product.
 *
 * Shape: a `[..., m, n]`, b `[..., m, k]` (or `[..., m]`) → `[..., n, k]` (or `[..., n]`).
 * @example lstsq(tensor([[1, 0], [0, 1], [0, 0]]), tensor([1, 2, 3])) // [1, 2]
 */
export function lstsq(aIn: TensorLike, bIn: TensorLike, rcond: number | null = null): Tensor {
  let a = matrixInput(aIn, 'lstsq', false, 'a');
  let b = floatInput(bIn, 'lstsq', 'b');
  const dtype = a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
  a = a.dtype === dtype ? a : a.cast(dtype);
  b = b.dtype === dtype ? b : b.cast(dtype);
  const m = a.shape[a.rank - 2]!;
  const n = a.shape[a.rank - 1]!;
  const vector = b.rank === a.rank - 1;
  const b2 = vector ? b.expandDims(-1) : b;
  if (
    b2.rank !== a.rank ||
    b2.shape[b2.rank - 2] !== m ||
    b2.shape.slice(0, -2).join() !== a.shape.slice(0, -2).join()
  )
    throw new ShapeError(
      `lstsq: b must be [..., ${m}, k] or [..., ${m}] with a's batch axes, got a ${fmtShape(a.shape)} and b ${fmtShape(b.shape)}`,
    );
  const eps = 2 ** -52;
  const cut = rcond === null ? eps * Math.max(m, n) : rcond < 0 ? eps : rcond;
  const x = matmul(pinv(a, cut), b2);
  return vector ? x.reshape([...b.shape.slice(0, -1), n]) : x;
}

/**
 * The inverse of a symmetric positive-definite matrix from its Cholesky factor (Keras's
 * `cholesky_inverse`, as torch's): x is L (lower, `A = L Lᵀ`) or, with `upper`, U (`A = Uᵀ U`);
 * only that triangle is read.
 *
 * Formula: `A⁻¹ = L⁻ᵀ L⁻¹` (upper: `U⁻¹ U⁻ᵀ`); gradients those of the triangular solve and
 * the product.
 *
 * Shape: `[..., n, n]` → `[..., n, n]`.
 * @example choleskyInverse(tensor([[2, 0], [1, 1]])) // [[0.5, -0.5], [-0.5, 1]]
 */
export function choleskyInverse(x: TensorLike, upper = false): Tensor {
  const a = matrixInput(x, 'choleskyInverse', true);
  const n = a.shape[a.rank - 1]!;
  const d = a.dataSync();
  for (let t = 0; t * n * n < d.length; t++)
    for (let i = 0; i < n; i++)
      if (d[t * n * n + i * n + i] === 0)
        throw new ValueError(
          `choleskyInverse: matrix ${t} of the batch has a zero on its diagonal (not a Cholesky factor)`,
        );
  const inv = triangularSolve(a, broadcastTo(eye(n, n, a.dtype), a.shape), !upper);
  return upper ? matmul(inv, mT(inv)) : matmul(mT(inv), inv);
}
