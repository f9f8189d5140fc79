/**
 * Matrix decompositions as Keras's `ops.linalg`: `qr`, `svd`, `eigh`, `luFactor` (Keras's
 * `lu_factor`), `pinv` and `matrixRank` (Keras's `matrix_rank`), batched over leading axes, in
 * float32 or float64. As in linalg.ts, the factorizations run on the host in float64
 * (Householder QR, one-sided Jacobi SVD, cyclic Jacobi eigenvalues, LU with partial pivoting)
 * and each op records its backward as matrix products and triangular solves.
 */
import { record } from '../autograd/tape.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { tensor, zeros } from './creation.js';
import { mul, neg, sub } from './elementwise.js';
import { triangularSolve } from './linalg.js';
import { matmul } from './matmul.js';
import { concat, slice, transpose } from './movement.js';

// ---- shared helpers

/**
 * The matrix input of a linalg op: a float tensor of rank ≥ 2 (int32 is computed in float32, as
 * Keras computes integer input in floats); bool is refused (DTypeError), a rank < 2 or, with
 * `square`, a non-square shape too (ShapeError), each naming `op`.
 *
 * Formula: `x` itself, or `cast(x, 'float32')` for int32.
 *
 * Shape: `[..., m, n]` (square: `[..., n, n]`) → the same.
 * @example matrixInput(tensor([[1, 2], [3, 4]]), 'qr').dtype // 'float32'
 */
export function matrixInput(x: TensorLike, op: string, square = false, what = 'x'): Tensor {
  let t = convertToTensor(x, op, what);
  if (t.dtype === 'bool') throw new DTypeError(`${op}: ${what} must be a float tensor, got bool`);
  if (t.dtype === 'int32') t = t.cast('float32');
  if (t.rank < 2)
    throw new ShapeError(
      `${op}: ${what} must be matrices [..., m, n] (rank ≥ 2), got ${fmtShape(t.shape)}`,
    );
  if (square && t.shape[t.rank - 2] !== t.shape[t.rank - 1])
    throw new ShapeError(
      `${op}: ${what} must be square matrices [..., n, n], got ${fmtShape(t.shape)}`,
    );
  return t;
}

/**
 * The batched matrix transpose: swaps the last two axes.
 *
 * Formula: `y[..., j, i] = x[..., i, j]`.
 *
 * Shape: `[..., m, n]` → `[..., n, m]`.
 * @example mT(tensor([[1, 2]])) // [[1], [2]]
 */
export function mT(t: Tensor): Tensor {
  const perm = [...t.shape.keys()];
  [perm[t.rank - 2], perm[t.rank - 1]] = [t.rank - 1, t.rank - 2];
  return transpose(t, perm);
}

/** Each matrix of a batch, as float64 rows. */
function matrices(t: Tensor): { batch: number; m: number; n: number; data: Float64Array } {
  const m = t.shape[t.rank - 2]!;
  const n = t.shape[t.rank - 1]!;
  const batch = t.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { batch, m, n, data: Float64Array.from(t.dataSync()) };
}

function out(data: Float64Array, shape: readonly number[], dtype: Tensor['dtype']): Tensor {
  return tensor(dtype === 'float64' ? data : Float32Array.from(data), shape, dtype);
}

/** A constant `[rows, cols]` 0/1 mask of the entries with `lo ≤ j − i ≤ hi`. */
function bandMask(rows: number, cols: number, lo: number, hi: number, dtype: Tensor['dtype']) {
  const d = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) d[i * cols + j] = j - i >= lo && j - i <= hi ? 1 : 0;
  return out(d, [rows, cols], dtype);
}

/** The last two axes' block `[r0, r0 + rows) × [c0, c0 + cols)` (−1: to the end). */
function block(t: Tensor, r0: number, c0: number, rows = -1, cols = -1): Tensor {
  const lead = t.shape.slice(0, -2);
  return slice(t, [...lead.map(() => 0), r0, c0], [...lead.map(() => -1), rows, cols]);
}

/** `[…, k]` → `[…, 1, k]`, to scale the columns of a matrix. */
const asRow = (v: Tensor) => v.expandDims(-2);
/** `[…, k]` → `[…, k, 1]`, to scale the rows of a matrix. */
const asCol = (v: Tensor) => v.expandDims(-1);

// ---- QR

/** What {@link qr} returns. */
export interface QrResult {
  /** Orthonormal columns: `[..., m, k]` (reduced) or `[..., m, m]` (complete). */
  q: Tensor;
  /** Upper triangular: `[..., k, n]` (reduced) or `[..., m, n]` (complete). */
  r: Tensor;
}

/**
 * Householder QR of one m×n matrix (LAPACK's geqrf + orgqr reflector convention, so R's
 * diagonal has numpy's signs); q is m×qc, r is rr×n.
 */
function householderQr(a: Float64Array, off: number, m: number, n: number, complete: boolean) {
  const k = Math.min(m, n);
  const w = a.slice(off, off + m * n);
  const tau = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let xx = 0;
    for (let i = j + 1; i < m; i++) xx += w[i * n + j]! ** 2;
    if (xx === 0) continue;
    const alpha = w[j * n + j]!;
    const beta = (alpha >= 0 ? -1 : 1) * Math.sqrt(alpha * alpha + xx);
    tau[j] = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    for (let i = j + 1; i < m; i++) w[i * n + j]! *= scale;
    w[j * n + j] = beta;
    for (let c = j + 1; c < n; c++) {
      let s = w[j * n + c]!;
      for (let i = j + 1; i < m; i++) s += w[i * n + j]! * w[i * n + c]!;
      s *= tau[j]!;
      w[j * n + c]! -= s;
      for (let i = j + 1; i < m; i++) w[i * n + c]! -= s * w[i * n + j]!;
    }
  }
  const qc = complete ? m : k;
  const q = new Float64Array(m * qc);
  for (let i = 0; i < qc; i++) q[i * qc + i] = 1;
  for (let j = k - 1; j >= 0; j--) {
    const t = tau[j]!;
    if (t === 0) continue;
    for (let c = 0; c < qc; c++) {
      let s = q[j * qc + c]!;
      for (let i = j + 1; i < m; i++) s += w[i * n + j]! * q[i * qc + c]!;
      s *= t;
      q[j * qc + c]! -= s;
      for (let i = j + 1; i < m; i++) q[i * qc + c]! -= s * w[i * n + j]!;
    }
  }
  const rr = complete ? m : k;
  const r = new Float64Array(rr * n);
  for (let i = 0; i < Math.min(rr, k); i++)
    for (let c = i; c < n; c++) r[i * n + c] = w[i * n + c]!;
  return { q, r };
}

/** The backward of A = QR for m ≥ n: `gA = (gQ + Q·copyutl(gR Rᵀ − Qᵀ gQ)) R⁻ᵀ`. */
function qrTallBackward(q: Tensor, r: Tensor, gq: Tensor | null, gr: Tensor | null): Tensor {
  const k = r.shape[r.rank - 1]!;
  let g: Tensor | null = gr ? matmul(gr, mT(r)) : null;
  if (gq) {
    const qtg = matmul(mT(q), gq);
    g = g ? sub(g, qtg) : neg(qtg);
  }
  const upper = mul(g!, bandMask(k, k, 0, k, q.dtype));
  const strict = mul(g!, bandMask(k, k, 1, k, q.dtype));
  let z = matmul(q, upper.add(mT(strict)));
  if (gq) z = z.add(gq);
  return mT(triangularSolve(r, mT(z), false));
}

/**
 * QR's backward; for m < n, A = [X | Y] and R = [U | V] with X = QU square and V = QᵀY.
 */
function qrBackward(
  a: Tensor,
  q: Tensor,
  r: Tensor,
  complete: boolean,
  gq: Tensor | null,
  gr: Tensor | null,
): Tensor {
  const m = a.shape[a.rank - 2]!;
  const n = a.shape[a.rank - 1]!;
  if (complete && m > n)
    throw new ValueError(
      `qr: no gradient for mode 'complete' with m > n (${m} > ${n}): the last m − n columns of q are not unique; use mode 'reduced'`,
    );
  if (m >= n) return qrTallBackward(q, r, gq, gr);
  const y = block(a, 0, m);
  const u = block(r, 0, 0, m, m);
  const gu = gr ? block(gr, 0, 0, m, m) : null;
  const gv = gr ? block(gr, 0, m) : null;
  let gq2 = gq;
  if (gv) {
    const extra = matmul(y, mT(gv));
    gq2 = gq2 ? gq2.add(extra) : extra;
  }
  const gx = qrTallBackward(q, u, gq2, gu);
  const gy = gv ? matmul(q, gv) : zeros(y.shape, a.dtype);
  return concat([gx, gy], -1);
}

/**
 * The QR decomposition by Householder reflections (Keras's `qr`): Q with orthonormal columns
 * and upper triangular R, R's diagonal signed as LAPACK (numpy) signs it. `mode` 'reduced' gives
 * k = min(m, n) columns of Q; 'complete' all m. Gradients: mode 'reduced' (or m ≤ n) with R's
 * diagonal nonzero.
 *
 * Formula: `A = Q R`, `QᵀQ = I`; gradient (m ≥ n) `dA = (dQ + Q·copyutl(dR Rᵀ − QᵀdQ)) R⁻ᵀ`,
 * copyutl mirroring the upper triangle onto the lower.
 *
 * Shape: `[..., m, n]` → q `[..., m, k]`, r `[..., k, n]` (complete: `[..., m, m]`, `[..., m, n]`).
 * @example qr(tensor([[3, 0], [4, 5]])).r // [[-5, -4], [0, 3]]
 */
export function qr(x: TensorLike, mode: 'reduced' | 'complete' = 'reduced'): QrResult {
  if (mode !== 'reduced' && mode !== 'complete')
    throw new ValueError(`qr: mode must be 'reduced' or 'complete', got '${String(mode)}'`);
  const a = matrixInput(x, 'qr');
  const complete = mode === 'complete';
  const { batch, m, n, data } = matrices(a);
  const k = Math.min(m, n);
  const qc = complete ? m : k;
  const rr = complete ? m : k;
  const qd = new Float64Array(batch * m * qc);
  const rd = new Float64Array(batch * rr * n);
  for (let t = 0; t < batch; t++) {
    const f = householderQr(data, t * m * n, m, n, complete);
    qd.set(f.q, t * m * qc);
    rd.set(f.r, t * rr * n);
  }
  const lead = a.shape.slice(0, -2);
  const q = out(qd, [...lead, m, qc], a.dtype);
  const r = out(rd, [...lead, rr, n], a.dtype);
  return {
    q: record('qr', [a], q, (dq) => [qrBackward(a, q, r, complete, dq, null)]),
    r: record('qr', [a], r, (dr) => [qrBackward(a, q, r, complete, null, dr)]),
  };
}

// ---- SVD

/**
 * One-sided (Hestenes) Jacobi on the p×q (p ≥ q) matrix w, in place: its columns become
 * orthogonal (u·s) and v (q×q, starting at I) accumulates the rotations.
 */
function oneSidedJacobi(w: Float64Array, p: number, q: number, v: Float64Array): void {
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let i = 0; i < q - 1; i++) {
      for (let j = i + 1; j < q; j++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let r = 0; r < p; r++) {
          const x = w[r * q + i]!;
          const y = w[r * q + j]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let r = 0; r < p; r++) {
          const x = w[r * q + i]!;
          const y = w[r * q + j]!;
          w[r * q + i] = c * x - s * y;
          w[r * q + j] = s * x + c * y;
        }
        for (let r = 0; r < q; r++) {
          const x = v[r * q + i]!;
          const y = v[r * q + j]!;
          v[r * q + i] = c * x - s * y;
          v[r * q + j] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
}

/**
 * Fills the columns `from…cols−1` of the p×cols matrix u (its first `from` columns orthonormal)
 * with an orthonormal completion: each time the unit vector with the largest remainder after
 * two Gram–Schmidt passes.
 */
function completeBasis(u: Float64Array, p: number, cols: number, from: number): void {
  const v = new Float64Array(p);
  for (let c = from; c < cols; c++) {
    let best = -1;
    let bestV: Float64Array | null = null;
    for (let e = 0; e < p; e++) {
      v.fill(0);
      v[e] = 1;
      for (let pass = 0; pass < 2; pass++)
        for (let j = 0; j < c; j++) {
          let d = 0;
          for (let r = 0; r < p; r++) d += u[r * cols + j]! * v[r]!;
          for (let r = 0; r < p; r++) v[r]! -= d * u[r * cols + j]!;
        }
      let nn = 0;
      for (let r = 0; r < p; r++) nn += v[r]! ** 2;
      if (nn > best) {
        best = nn;
        bestV = v.slice();
      }
    }
    const norm = Math.sqrt(best);
    for (let r = 0; r < p; r++) u[r * cols + c] = bestV![r]! / norm;
  }
}

/**
 * The SVD of one m×n matrix: u (m×uc, row-major), s (k, descending), vh (vr×n), with uc = m
 * and vr = n when `full`, else k = min(m, n).
 */
function svdOne(a: Float64Array, off: number, m: number, n: number, full: boolean) {
  const tall = m >= n;
  const p = tall ? m : n;
  const q = tall ? n : m;
  const w = new Float64Array(p * q);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) w[tall ? i * q + j : j * q + i] = a[off + i * n + j]!;
  const v = new Float64Array(q * q);
  for (let i = 0; i < q; i++) v[i * q + i] = 1;
  oneSidedJacobi(w, p, q, v);
  const norms = new Float64Array(q);
  for (let j = 0; j < q; j++) {
    let s = 0;
    for (let r = 0; r < p; r++) s += w[r * q + j]! ** 2;
    norms[j] = Math.sqrt(s);
  }
  const order = [...norms.keys()].sort((x, y) => norms[y]! - norms[x]! || x - y);
  const s = Float64Array.from(order, (j) => norms[j]!);
  // The p-side vectors (columns), completed where a singular value is 0 or `full` asks more.
  const uc = full ? p : q;
  const left = new Float64Array(p * uc);
  let filled = 0;
  while (filled < q && s[filled]! > 0) {
    const j = order[filled]!;
    for (let r = 0; r < p; r++) left[r * uc + filled] = w[r * q + j]! / s[filled]!;
    filled++;
  }
  if (filled < uc) completeBasis(left, p, uc, filled);
  // The q-side vectors, columns in the same order.
  const right = new Float64Array(q * q);
  for (let r = 0; r < q; r++) for (let c = 0; c < q; c++) right[r * q + c] = v[r * q + order[c]!]!;
  if (tall) {
    const vh = new Float64Array(q * q);
    for (let r = 0; r < q; r++) for (let c = 0; c < q; c++) vh[r * q + c] = right[c * q + r]!;
    return { u: left, uc, s, vh, vr: q };
  }
  // A = (right) S (left)ᵀ.
  const vh = new Float64Array(uc * p);
  for (let r = 0; r < uc; r++) for (let c = 0; c < p; c++) vh[r * p + c] = left[c * uc + r]!;
  return { u: right, uc: q, s, vh, vr: uc };
}

/** The SVD of a batch on the host: u `[..., m, uc]`, s `[..., k]`, vh `[..., vr, n]`. */
function svdHost(a: Tensor, full: boolean) {
  const { batch, m, n, data } = matrices(a);
  const k = Math.min(m, n);
  const uc = full ? m : k;
  const vr = full ? n : k;
  const u = new Float64Array(batch * m * uc);
  const s = new Float64Array(batch * k);
  const vh = new Float64Array(batch * vr * n);
  for (let t = 0; t < batch; t++) {
    const f = svdOne(data, t * m * n, m, n, full);
    u.set(f.u, t * m * uc);
    s.set(f.s, t * k);
    vh.set(f.vh, t * vr * n);
  }
  return { m, n, k, uc, vr, u, s, vh };
}

/**
 * The SVD's backward (on the reduced factors U `[…, m, k]`, s, V `[…, n, k]`):
 * `gA = U[(skew(UᵀgU)/E) S + S (skew(VᵀgV)/E) + diag(gS)]Vᵀ + (I − UUᵀ)gU S⁻¹Vᵀ +
 * U S⁻¹gVᵀ(I − VVᵀ)`, with `E_jk = s_k² − s_j²`.
 */
function svdBackward(
  u: Tensor,
  s: Tensor,
  v: Tensor,
  invE: Tensor,
  gu: Tensor | null,
  gs: Tensor | null,
  gv: Tensor | null,
): Tensor {
  const m = u.shape[u.rank - 2]!;
  const n = v.shape[v.rank - 2]!;
  const k = s.shape[s.rank - 1]!;
  const parts: Tensor[] = [];
  if (gs) parts.push(mul(asCol(gs), bandMask(k, k, 0, 0, s.dtype)));
  const skew = (t: Tensor) => mul(sub(t, mT(t)), invE);
  if (gu) parts.push(mul(skew(matmul(mT(u), gu)), asRow(s)));
  if (gv) parts.push(mul(asCol(s), skew(matmul(mT(v), gv))));
  let ga = matmul(
    matmul(
      u,
      parts.reduce((x, y) => x.add(y)),
    ),
    mT(v),
  );
  if (gu && m > k) {
    const proj = sub(gu, matmul(u, matmul(mT(u), gu)));
    ga = ga.add(matmul(proj.div(asRow(s)), mT(v)));
  }
  if (gv && n > k) {
    const proj = sub(gv, matmul(v, matmul(mT(v), gv)));
    ga = ga.add(matmul(u.div(asRow(s)), mT(proj)));
  }
  return ga;
}

/** What {@link svd} returns with `computeUv`. */
export interface SvdResult {
  /** Left singular vectors (columns): `[..., m, m]` (full) or `[..., m, k]`. */
  u: Tensor;
  /** Singular values, descending: `[..., k]`. */
  s: Tensor;
  /** Right singular vectors as rows (numpy's `vh`): `[..., n, n]` (full) or `[..., k, n]`. */
  vh: Tensor;
}

/**
 * The singular value decomposition (Keras's `svd`) by one-sided Jacobi: `A = U diag(s) Vh`,
 * singular values descending, k = min(m, n). With `fullMatrices` U and Vh are square (the extra
 * vectors complete the basis); with `computeUv` false only s is returned. Vector signs are not
 * unique (they may differ from numpy's). Gradients: s always; U and Vh need distinct nonzero
 * singular values; the extra vectors of `fullMatrices` carry no gradient (as in torch).
 *
 * Formula: `A = U Σ Vh`; gradient of s alone `dA = U diag(ds) Vh`.
 *
 * Shape: `[..., m, n]` → u `[..., m, m]`, s `[..., k]`, vh `[..., n, n]` (reduced:
 * `[..., m, k]`, `[..., k]`, `[..., k, n]`).
 * @example svd(tensor([[3, 0], [0, -4]])).s // [4, 3]
 */
export function svd(x: TensorLike, fullMatrices?: boolean, computeUv?: true): SvdResult;
export function svd(x: TensorLike, fullMatrices: boolean, computeUv: false): Tensor;
export function svd(x: TensorLike, fullMatrices?: boolean, computeUv?: boolean): SvdResult | Tensor;
export function svd(x: TensorLike, fullMatrices = true, computeUv = true): SvdResult | Tensor {
  const a = matrixInput(x, 'svd');
  const h = svdHost(a, computeUv && fullMatrices);
  const { m, n, k, uc, vr } = h;
  const lead = a.shape.slice(0, -2);
  const batch = h.s.length / Math.max(1, k);
  const s = out(h.s, [...lead, k], a.dtype);
  const U = out(h.u, [...lead, m, uc], a.dtype);
  const Vh = out(h.vh, [...lead, vr, n], a.dtype);
  // Reduced factors for the backward, without a gradient of their own.
  const u = uc === k ? U : block(U, 0, 0, m, k);
  const v = mT(vr === k ? Vh : block(Vh, 0, 0, k, n));
  const invEData = new Float64Array(batch * k * k);
  for (let t = 0; t < batch; t++)
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++)
        if (i !== j)
          invEData[t * k * k + i * k + j] = 1 / (h.s[t * k + j]! ** 2 - h.s[t * k + i]! ** 2);
  const invE = out(invEData, [...lead, k, k], a.dtype);
  const sOut = record('svd', [a], s, (ds) => [svdBackward(u, s, v, invE, null, ds, null)]);
  if (!computeUv) return sOut;
  return {
    u: record('svd', [a], U, (dU) => [
      svdBackward(u, s, v, invE, uc === k ? dU : block(dU, 0, 0, m, k), null, null),
    ]),
    s: sOut,
    vh: record('svd', [a], Vh, (dVh) => [
      svdBackward(u, s, v, invE, null, null, mT(vr === k ? dVh : block(dVh, 0, 0, k, n))),
    ]),
  };
}

// ---- eigh

/**
 * Cyclic Jacobi on the symmetric n×n matrix w (in place, becomes diagonal); v (starting at I)
 * accumulates the rotations.
 */
function jacobiEigen(w: Float64Array, n: number, v: Float64Array): void {
  let frob = 0;
  for (let i = 0; i < n * n; i++) frob += w[i]! ** 2;
  frob = Math.sqrt(frob);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += w[p * n + q]! ** 2;
    if (off === 0 || Math.sqrt(off) <= 1e-18 * frob) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = w[p * n + q]!;
        if (apq === 0) continue;
        const app = w[p * n + p]!;
        const aqq = w[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < n; r++) {
          if (r === p || r === q) continue;
          const arp = w[r * n + p]!;
          const arq = w[r * n + q]!;
          const np = c * arp - s * arq;
          const nq = s * arp + c * arq;
          w[r * n + p] = np;
          w[p * n + r] = np;
          w[r * n + q] = nq;
          w[q * n + r] = nq;
        }
        w[p * n + p] = app - t * apq;
        w[q * n + q] = aqq + t * apq;
        w[p * n + q] = 0;
        w[q * n + p] = 0;
        for (let r = 0; r < n; r++) {
          const x = v[r * n + p]!;
          const y = v[r * n + q]!;
          v[r * n + p] = c * x - s * y;
          v[r * n + q] = s * x + c * y;
        }
      }
    }
  }
}

/** What {@link eigh} returns. */
export interface EighResult {
  /** Eigenvalues, ascending: `[..., n]`. */
  eigenvalues: Tensor;
  /** Orthonormal eigenvectors as columns, in the same order: `[..., n, n]`. */
  eigenvectors: Tensor;
}

/**
 * Eigenvalues and eigenvectors of symmetric matrices (Keras's `eigh`) by the cyclic Jacobi
 * method. Only the lower triangle is read (numpy's UPLO='L'). Eigenvalues ascending; vector
 * signs are not unique. Gradients (those of a symmetric input, as torch gives) need distinct
 * eigenvalues for the eigenvectors.
 *
 * Formula: `A = V diag(w) Vᵀ`; gradient `dA = V(diag(dw) + ½(VᵀdV − dVᵀV) ∘ F)Vᵀ`,
 * `F_ij = 1/(w_j − w_i)`.
 *
 * Shape: `[..., n, n]` → eigenvalues `[..., n]`, eigenvectors `[..., n, n]`.
 * @example eigh(tensor([[2, 1], [1, 2]])).eigenvalues // [1, 3]
 */
export function eigh(x: TensorLike): EighResult {
  const a = matrixInput(x, 'eigh', true);
  const { batch, n, data } = matrices(a);
  const wd = new Float64Array(batch * n);
  const vd = new Float64Array(batch * n * n);
  const invF = new Float64Array(batch * n * n);
  const sym = new Float64Array(n * n);
  const rot = new Float64Array(n * n);
  for (let t = 0; t < batch; t++) {
    const o = t * n * n;
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        sym[i * n + j] = data[o + i * n + j]!;
        sym[j * n + i] = data[o + i * n + j]!;
      }
    rot.fill(0);
    for (let i = 0; i < n; i++) rot[i * n + i] = 1;
    jacobiEigen(sym, n, rot);
    const order = [...Array(n).keys()].sort((i, j) => sym[i * n + i]! - sym[j * n + j]! || i - j);
    order.forEach((src, c) => {
      wd[t * n + c] = sym[src * n + src]!;
      for (let r = 0; r < n; r++) vd[o + r * n + c] = rot[r * n + src]!;
    });
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (i !== j) invF[o + i * n + j] = 0.5 / (wd[t * n + j]! - wd[t * n + i]!);
  }
  const lead = a.shape.slice(0, -2);
  const w = out(wd, [...lead, n], a.dtype);
  const v = out(vd, a.shape, a.dtype);
  const halfF = out(invF, a.shape, a.dtype);
  const backward = (dw: Tensor | null, dv: Tensor | null) => {
    let inner = dw ? mul(asCol(dw), bandMask(n, n, 0, 0, a.dtype)) : null;
    if (dv) {
      const x = matmul(mT(v), dv);
      const term = mul(sub(x, mT(x)), halfF);
      inner = inner ? inner.add(term) : term;
    }
    return matmul(matmul(v, inner!), mT(v));
  };
  return {
    eigenvalues: record('eigh', [a], w, (dw) => [backward(dw, null)]),
    eigenvectors: record('eigh', [a], v, (dv) => [backward(null, dv)]),
  };
}

// ---- LU

/** What {@link luFactor} returns. */
export interface LuFactorResult {
  /** L (below the diagonal, unit diagonal implied) and U (on and above it): `[..., m, n]`. */
  lu: Tensor;
  /** Row interchanges, 0-based: row i was swapped with row `pivots[i]` (int32, `[..., k]`). */
  pivots: Tensor;
}

/**
 * The LU factorization with partial pivoting (Keras's `lu_factor`, as scipy's `lu_factor`):
 * `P A = L U` packed into one matrix, with LAPACK's 0-based row interchanges. Singular matrices
 * are factored too (U has a zero on its diagonal). Gradient of `lu` for square nonsingular
 * matrices.
 *
 * Formula: `A = Pᵀ L U`; gradient `dA = Pᵀ L⁻ᵀ(tril₋₁(Lᵀ dL) + triu(dU Uᵀ))U⁻ᵀ`.
 *
 * Shape: `[..., m, n]` → lu `[..., m, n]`, pivots `[..., min(m, n)]`.
 * @example luFactor(tensor([[1, 2], [3, 4]])).pivots // [1, 1]
 */
export function luFactor(x: TensorLike): LuFactorResult {
  const a = matrixInput(x, 'luFactor');
  const { batch, m, n, data } = matrices(a);
  const k = Math.min(m, n);
  const piv = new Int32Array(batch * k);
  const perms = new Int32Array(batch * m);
  for (let t = 0; t < batch; t++) {
    const o = t * m * n;
    const perm = perms.subarray(t * m, (t + 1) * m);
    for (let i = 0; i < m; i++) perm[i] = i;
    for (let j = 0; j < k; j++) {
      let p = j;
      let best = Math.abs(data[o + j * n + j]!);
      for (let i = j + 1; i < m; i++) {
        const val = Math.abs(data[o + i * n + j]!);
        if (val > best) {
          best = val;
          p = i;
        }
      }
      piv[t * k + j] = p;
      const d = data[o + p * n + j]!;
      if (d === 0) continue;
      if (p !== j) {
        for (let c = 0; c < n; c++) {
          const tmp = data[o + j * n + c]!;
          data[o + j * n + c] = data[o + p * n + c]!;
          data[o + p * n + c] = tmp;
        }
        const tp = perm[j]!;
        perm[j] = perm[p]!;
        perm[p] = tp;
      }
      const rec = 1 / d;
      for (let i = j + 1; i < m; i++) {
        const f = data[o + i * n + j]! * rec;
        data[o + i * n + j] = f;
        if (f !== 0)
          for (let c = j + 1; c < n; c++) data[o + i * n + c]! -= f * data[o + j * n + c]!;
      }
    }
  }
  const lead = a.shape.slice(0, -2);
  const lu = out(data, a.shape, a.dtype);
  const pivots = tensor(piv, [...lead, k], 'int32');
  return {
    lu: record('luFactor', [a], lu, (dlu) => {
      if (m !== n)
        throw new ValueError(
          `luFactor: the gradient needs square matrices, got ${fmtShape(a.shape)}`,
        );
      const L = mul(lu, bandMask(n, n, -n, -1, a.dtype)).add(bandMask(n, n, 0, 0, a.dtype));
      const U = mul(lu, bandMask(n, n, 0, n, a.dtype));
      const gl = mul(dlu, bandMask(n, n, -n, -1, a.dtype));
      const gu = mul(dlu, bandMask(n, n, 0, n, a.dtype));
      const inner = mul(matmul(mT(L), gl), bandMask(n, n, -n, -1, a.dtype)).add(
        mul(matmul(gu, mT(U)), bandMask(n, n, 0, n, a.dtype)),
      );
      const y = triangularSolve(mT(L), inner, false);
      const z = mT(triangularSolve(U, mT(y), false));
      // Row i of P·A is row perm[i] of A: Pᵀ puts row i of z back at perm[i].
      const pt = new Float64Array(batch * n * n);
      for (let t = 0; t < batch; t++)
        for (let i = 0; i < n; i++) pt[t * n * n + perms[t * n + i]! * n + i] = 1;
      return [matmul(out(pt, a.shape, a.dtype), z)];
    }),
    pivots,
  };
}

// ---- pinv and matrix rank

/**
 * The Moore–Penrose pseudo-inverse (Keras's `pinv`, numpy's default `rcond` 1e-15) through the
 * SVD: singular values ≤ rcond·max(s) count as zero. The gradient holds where the rank does not
 * change.
 *
 * Formula: `A⁺ = V diag(1/s) Uᵀ`; gradient (Golub–Pereyra) `dA = −A⁺ᵀ G A⁺ᵀ +
 * (I − AA⁺)Gᵀ A⁺A⁺ᵀ + A⁺ᵀA⁺ Gᵀ(I − A⁺A)`.
 *
 * Shape: `[..., m, n]` → `[..., n, m]`.
 * @example pinv(tensor([[2, 0], [0, 0]])) // [[0.5, 0], [0, 0]]
 */
export function pinv(x: TensorLike, rcond = 1e-15): Tensor {
  const a = matrixInput(x, 'pinv');
  const { m, n, k, u, s, vh } = svdHost(a, false);
  const batch = s.length / Math.max(1, k);
  const y = new Float64Array(batch * n * m);
  for (let t = 0; t < batch; t++) {
    let smax = 0;
    for (let i = 0; i < k; i++) smax = Math.max(smax, s[t * k + i]!);
    const cut = rcond * smax;
    for (let i = 0; i < k; i++) {
      const si = s[t * k + i]!;
      if (!(si > cut)) continue;
      // y += v_i u_iᵀ / s_i (v_i is row i of vh).
      for (let r = 0; r < n; r++) {
        const f = vh[t * k * n + i * n + r]! / si;
        if (f === 0) continue;
        for (let c = 0; c < m; c++) y[t * n * m + r * m + c]! += f * u[t * m * k + c * k + i]!;
      }
    }
  }
  const yT = out(y, [...a.shape.slice(0, -2), n, m], a.dtype);
  return record('pinv', [a], yT, (g) => {
    const yt = mT(yT);
    const gt = mT(g);
    const left = sub(gt, matmul(a, matmul(yT, gt)));
    const right = sub(gt, matmul(matmul(gt, yT), a));
    return [
      neg(matmul(matmul(yt, g), yt))
        .add(matmul(left, matmul(yT, yt)))
        .add(matmul(matmul(yt, yT), right)),
    ];
  });
}

/**
 * The rank of each matrix (Keras's `matrix_rank`): how many singular values exceed `tol`, by
 * default `max(s)·max(m, n)·eps` with eps of the input's float type (numpy's rule: float64's for
 * integer input).
 *
 * Formula: `rank = #{i : s_i > tol}`.
 *
 * Shape: `[..., m, n]` → `[...]` (int32).
 * @example matrixRank(tensor([[1, 2], [2, 4]])) // 1
 */
export function matrixRank(x: TensorLike, tol: number | null = null): Tensor {
  const a = matrixInput(x, 'matrixRank');
  const { m, n, k, s } = svdHost(a, false);
  // numpy computes integer input in float64.
  const eps = convertToTensor(x, 'matrixRank', 'x').dtype === 'float32' ? 2 ** -23 : 2 ** -52;
  const batch = s.length / Math.max(1, k);
  const rank = new Int32Array(batch);
  for (let t = 0; t < batch; t++) {
    let smax = 0;
    for (let i = 0; i < k; i++) smax = Math.max(smax, s[t * k + i]!);
    const cut = tol ?? smax * Math.max(m, n) * eps;
    for (let i = 0; i < k; i++) if (s[t * k + i]! > cut) rank[t]!++;
  }
  return tensor(rank, a.shape.slice(0, -2), 'int32');
}
