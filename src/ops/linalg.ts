/**
 * Linear algebra as Keras's `ops.linalg`: `inv`, `det`, `solve`, `triangularSolve` (Keras's
 * `solve_triangular`) and `cholesky`, batched over leading axes, in float32 or float64. The
 * factorizations run on the host in float64 (they are O(n³) on small matrices, where a kernel
 * per backend would buy little); each op records its backward as matrix products and solves,
 * so gradients flow through them.
 */
import { record } from '../autograd/tape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { mul, neg } from './elementwise.js';
import { matmul } from './matmul.js';
import { transpose } from './movement.js';

/** A float tensor of rank ≥ 2 whose last two axes are square. */
function squareInput(x: TensorLike, op: string, what = 'a'): Tensor {
  let t = convertToTensor(x, op, what);
  if (t.dtype !== 'float32' && t.dtype !== 'float64') t = t.cast('float32');
  const n = t.shape[t.rank - 1];
  if (t.rank < 2 || t.shape[t.rank - 2] !== n)
    throw new ShapeError(
      `${op}: ${what} must be square matrices [..., n, n], got ${fmtShape(t.shape)}`,
    );
  return t;
}

/** Swaps the last two axes. */
function mT(t: Tensor): Tensor {
  const perm = [...t.shape.keys()];
  [perm[t.rank - 2], perm[t.rank - 1]] = [t.rank - 1, t.rank - 2];
  return transpose(t, perm);
}

/** Each matrix of a batch, as float64 rows. */
function matrices(t: Tensor): { batch: number; n: number; m: number; data: Float64Array } {
  const n = t.shape[t.rank - 2]!;
  const m = t.shape[t.rank - 1]!;
  return { batch: t.size / Math.max(1, n * m), n, m, data: Float64Array.from(t.dataSync()) };
}

function out(data: Float64Array, shape: readonly number[], dtype: Tensor['dtype']): Tensor {
  return tensor(dtype === 'float64' ? data : Float32Array.from(data), shape, dtype);
}

/**
 * LU with partial pivoting of one n×n matrix at `off` (in place); returns the pivot sign, 0
 * when the matrix is singular.
 */
function luInPlace(a: Float64Array, off: number, n: number, perm: Int32Array): number {
  let sign = 1;
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[off + k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[off + i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (best === 0 || !Number.isFinite(best)) return 0;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[off + k * n + j]!;
        a[off + k * n + j] = a[off + p * n + j]!;
        a[off + p * n + j] = t;
      }
      const t = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = t;
      sign = -sign;
    }
    const d = a[off + k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const f = a[off + i * n + k]! / d;
      a[off + i * n + k] = f;
      if (f !== 0) for (let j = k + 1; j < n; j++) a[off + i * n + j]! -= f * a[off + k * n + j]!;
    }
  }
  return sign;
}

/** Solves LU x = P b for each of k columns of b (n×k at boff), in place into x. */
function luSolve(
  lu: Float64Array,
  off: number,
  n: number,
  perm: Int32Array,
  b: Float64Array,
  boff: number,
  k: number,
  x: Float64Array,
  xoff: number,
): void {
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      let s = b[boff + perm[i]! * k + c]!;
      for (let j = 0; j < i; j++) s -= lu[off + i * n + j]! * x[xoff + j * k + c]!;
      x[xoff + i * k + c] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[xoff + i * k + c]!;
      for (let j = i + 1; j < n; j++) s -= lu[off + i * n + j]! * x[xoff + j * k + c]!;
      x[xoff + i * k + c] = s / lu[off + i * n + i]!;
    }
  }
}

/** Solves a·x = b batched (b `[..., n, k]`), refusing singular matrices by name. */
function solveHost(a: Tensor, b: Tensor, op: string): Tensor {
  const { batch, n, data } = matrices(a);
  const k = b.shape[b.rank - 1]!;
  const bd = Float64Array.from(b.dataSync());
  const x = new Float64Array(batch * n * k);
  const perm = new Int32Array(n);
  for (let i = 0; i < batch; i++) {
    if (luInPlace(data, i * n * n, n, perm) === 0)
      throw new ValueError(`${op}: matrix ${i} of the batch is singular`);
    luSolve(data, i * n * n, n, perm, bd, i * n * k, k, x, i * n * k);
  }
  return out(x, b.shape, a.dtype);
}

/**
 * The inverse of square matrices; singular ones are refused.
 *
 * Formula: `inv(A)·A = I`; gradient `dA = −inv(A)ᵀ · dY · inv(A)ᵀ`.
 *
 * Shape: `[..., n, n]` → `[..., n, n]`.
 * @example inv(tensor([[2, 0], [0, 4]])) // [[0.5, 0], [0, 0.25]]
 */
export function inv(x: TensorLike): Tensor {
  const a = squareInput(x, 'inv');
  const n = a.shape[a.rank - 1]!;
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  const batch = a.size / Math.max(1, n * n);
  const eyes = new Float64Array(batch * n * n);
  for (let i = 0; i < batch; i++) eyes.set(eye, i * n * n);
  const y = solveHost(a, out(eyes, a.shape, a.dtype), 'inv');
  return record('inv', [a], y, (dy) => {
    const yt = mT(y);
    return [neg(matmul(matmul(yt, dy), yt))];
  });
}

/**
 * The determinant of square matrices (LU with partial pivoting).
 *
 * Formula: `det(A) = sign(P) · Π diag(U)`; gradient `dA = dy · det(A) · inv(A)ᵀ`.
 *
 * Shape: `[..., n, n]` → `[...]`.
 * @example det(tensor([[1, 2], [3, 4]])) // -2
 */
export function det(x: TensorLike): Tensor {
  const a = squareInput(x, 'det');
  const { batch, n, data } = matrices(a);
  const d = new Float64Array(batch);
  const perm = new Int32Array(n);
  for (let i = 0; i < batch; i++) {
    const s = luInPlace(data, i * n * n, n, perm);
    let p = s;
    for (let j = 0; j < n && s !== 0; j++) p *= data[i * n * n + j * n + j]!;
    d[i] = s === 0 ? 0 : p;
  }
  const y = out(d, a.shape.slice(0, -2), a.dtype);
  return record('det', [a], y, (dy) => {
    const scale = mul(dy, y).reshape([...y.shape, 1, 1]);
    return [mul(scale, mT(inv(a)))];
  });
}

/**
 * Solves `a · x = b` for x (Keras's `solve`); `b` is `[..., n, k]` or `[..., n]`.
 *
 * Formula: `x = A⁻¹ b`; gradients `db = solve(Aᵀ, dx)`, `dA = −db · xᵀ`.
 *
 * Shape: a `[..., n, n]`, b `[..., n, k]` (or `[..., n]`) → like b.
 * @example solve(tensor([[2, 0], [0, 4]]), tensor([2, 4])) // [1, 1]
 */
export function solve(aIn: TensorLike, bIn: TensorLike): Tensor {
  const a = squareInput(aIn, 'solve');
  let b = convertToTensor(bIn, 'solve', 'b');
  if (b.dtype !== a.dtype) b = b.cast(a.dtype);
  const n = a.shape[a.rank - 1]!;
  const vector = b.rank === a.rank - 1;
  const b2 = vector ? b.expandDims(-1) : b;
  if (
    b2.rank !== a.rank ||
    b2.shape[b2.rank - 2] !== n ||
    b2.shape.slice(0, -2).join() !== a.shape.slice(0, -2).join()
  )
    throw new ShapeError(
      `solve: b must be [..., ${n}, k] or [..., ${n}] with a's batch axes, got a ${fmtShape(a.shape)} and b ${fmtShape(b.shape)}`,
    );
  const x2 = solveHost(a, b2, 'solve');
  const x = vector ? x2.reshape(b.shape) : x2;
  return record('solve', [a, b], x, (dx) => {
    const dx2 = vector ? dx.expandDims(-1) : dx;
    const db2 = solve(mT(a), dx2);
    const da = neg(matmul(db2, mT(x2)));
    return [da, vector ? db2.reshape(b.shape) : db2];
  });
}

/**
 * Solves `a · x = b` for triangular a (Keras's `solve_triangular`): `lower` picks which
 * triangle of a is used; the other is ignored.
 *
 * Formula: forward (lower) or back (upper) substitution; gradients `db = solve(Aᵀ, dx)` with
 * the other triangle, `dA = −tri(db · xᵀ)`.
 *
 * Shape: a `[..., n, n]`, b `[..., n, k]` (or `[..., n]`) → like b.
 * @example triangularSolve(tensor([[2, 0], [1, 1]]), tensor([2, 3]), true) // [1, 2]
 */
export function triangularSolve(aIn: TensorLike, bIn: TensorLike, lower = false): Tensor {
  const op = 'triangularSolve';
  const a = squareInput(aIn, op);
  let b = convertToTensor(bIn, op, 'b');
  if (b.dtype !== a.dtype) b = b.cast(a.dtype);
  const n = a.shape[a.rank - 1]!;
  const vector = b.rank === a.rank - 1;
  const b2 = vector ? b.expandDims(-1) : b;
  if (
    b2.rank !== a.rank ||
    b2.shape[b2.rank - 2] !== n ||
    b2.shape.slice(0, -2).join() !== a.shape.slice(0, -2).join()
  )
    throw new ShapeError(
      `${op}: b must be [..., ${n}, k] or [..., ${n}] with a's batch axes, got a ${fmtShape(a.shape)} and b ${fmtShape(b.shape)}`,
    );
  const { batch, data } = matrices(a);
  const k = b2.shape[b2.rank - 1]!;
  const bd = Float64Array.from(b2.dataSync());
  const xd = new Float64Array(bd.length);
  for (let t = 0; t < batch; t++) {
    const ao = t * n * n;
    const bo = t * n * k;
    for (let c = 0; c < k; c++) {
      for (let s = 0; s < n; s++) {
        const i = lower ? s : n - 1 - s;
        let v = bd[bo + i * k + c]!;
        if (lower) for (let j = 0; j < i; j++) v -= data[ao + i * n + j]! * xd[bo + j * k + c]!;
        else for (let j = i + 1; j < n; j++) v -= data[ao + i * n + j]! * xd[bo + j * k + c]!;
        const d = data[ao + i * n + i]!;
        if (d === 0)
          throw new ValueError(`${op}: matrix ${t} of the batch has a zero on its diagonal`);
        xd[bo + i * k + c] = v / d;
      }
    }
  }
  const x2 = out(xd, b2.shape, a.dtype);
  const x = vector ? x2.reshape(b.shape) : x2;
  return record(op, [a, b], x, (dx) => {
    const dx2 = vector ? dx.expandDims(-1) : dx;
    const db2 = triangularSolve(mT(a), dx2, !lower);
    const full = neg(matmul(db2, mT(x2)));
    const mask = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) mask[i * n + j] = (lower ? j <= i : j >= i) ? 1 : 0;
    const da = mul(full, out(mask, [n, n], a.dtype));
    return [da, vector ? db2.reshape(b.shape) : db2];
  });
}

/**
 * The Cholesky factor of symmetric positive-definite matrices: lower L with L·Lᵀ = A (or upper
 * U = Lᵀ with `upper`). Only the lower triangle of A is read; a matrix that is not positive
 * definite is refused.
 *
 * Formula: `A = L Lᵀ`; gradient `dA = ½ (S + Sᵀ)`, `S = L⁻ᵀ Φ(Lᵀ dL) L⁻¹` with Φ the lower
 * triangle, diagonal halved.
 *
 * Shape: `[..., n, n]` → `[..., n, n]`.
 * @example cholesky(tensor([[4, 2], [2, 3]])) // [[2, 0], [1, 1.4142]]
 */
export function cholesky(x: TensorLike, upper = false): Tensor {
  const a = squareInput(x, 'cholesky');
  const { batch, n, data } = matrices(a);
  const l = new Float64Array(data.length);
  for (let t = 0; t < batch; t++) {
    const o = t * n * n;
    for (let j = 0; j < n; j++) {
      let d = data[o + j * n + j]!;
      for (let k = 0; k < j; k++) d -= l[o + j * n + k]! ** 2;
      if (!(d > 0))
        throw new ValueError(`cholesky: matrix ${t} of the batch is not positive definite`);
      const ljj = Math.sqrt(d);
      l[o + j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let s = data[o + i * n + j]!;
        for (let k = 0; k < j; k++) s -= l[o + i * n + k]! * l[o + j * n + k]!;
        l[o + i * n + j] = s / ljj;
      }
    }
  }
  const L = out(l, a.shape, a.dtype);
  let yd = l;
  if (upper) {
    yd = new Float64Array(l.length);
    for (let t = 0; t < batch; t++)
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) yd[t * n * n + j * n + i] = l[t * n * n + i * n + j]!;
  }
  const y = upper ? out(yd, a.shape, a.dtype) : L;
  const phiMask = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) phiMask[i * n + j] = i === j ? 0.5 : 1;
  return record('cholesky', [a], y, (dy) => {
    // Only L's lower triangle is an output; the rest is structurally zero.
    const low = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) low[i * n + j] = 1;
    const dL = mul(upper ? mT(dy) : dy, out(low, [n, n], a.dtype));
    const phi = mul(matmul(mT(L), dL), out(phiMask, [n, n], a.dtype));
    // S = L⁻ᵀ Φ L⁻¹: two triangular solves (Lᵀ is upper).
    const left = triangularSolve(mT(L), phi, false);
    const s = mT(triangularSolve(mT(L), mT(left), false));
    return [mul(s.add(mT(s)), 0.5)];
  });
}
