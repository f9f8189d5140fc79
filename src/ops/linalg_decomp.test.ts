/**
 * qr, svd, eigh, luFactor, pinv, matrixRank, norm, lstsq and choleskyInverse against numpy/scipy
 * values and torch's gradients of sign-invariant losses (scripts/linalg_decomp_golden.py);
 * factors whose signs are not unique are compared up to the sign of each vector, and checked
 * for reconstruction and orthogonality. Float64 gradient checks, float32 runs, refusals.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { grads } from '../autograd/grad.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { eigh, luFactor, matrixRank, pinv, qr, svd } from './linalg_decomp.js';
import { type NormOrd, choleskyInverse, lstsq, norm } from './linalg_norm.js';
import { matmul } from './matmul.js';
import { concat, slice, transpose } from './movement.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface Case {
  op: string;
  extra: Record<string, unknown>;
  inputs: Arr[];
  out: Record<string, Arr>;
  w: Record<string, Arr>;
  grads: Arr[] | null;
}
const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/linalg_decomp_golden.json', import.meta.url), 'utf8'),
) as { cases: Case[] };
const f64 = (a: Arr) => tensor(Float64Array.from(a.data), a.shape, 'float64');
const f32 = (a: Arr) => tensor(Float32Array.from(a.data), a.shape);
const values = (t: Tensor) => Array.from(t.dataSync(), Number);

/** Swaps the last two axes. */
function mT(t: Tensor): Tensor {
  const perm = [...t.shape.keys()];
  [perm[t.rank - 2], perm[t.rank - 1]] = [t.rank - 1, t.rank - 2];
  return transpose(t, perm);
}
/** The first `cols` columns (or, on the second-to-last axis, rows) of each matrix. */
function lead(t: Tensor, rows: number, cols: number): Tensor {
  const z = t.shape.slice(0, -2).map(() => 0);
  const all = t.shape.slice(0, -2).map(() => -1);
  return slice(t, [...z, 0, 0], [...all, rows, cols]);
}
const flat = (t: Tensor) => t.reshape([-1]);

/**
 * Asserts that the columns of `a` equal those of `b` (both `[..., m, c]`) up to one sign per
 * column; returns the signs, `[..., c]` flattened, for the factor that shares them.
 */
function expectColumnsUpToSign(a: Tensor, b: Arr, tol = 1e-9): number[] {
  const m = a.shape[a.rank - 2]!;
  const c = a.shape[a.rank - 1]!;
  const av = values(a);
  const signs: number[] = [];
  for (let t = 0; t * m * c < av.length; t++)
    for (let j = 0; j < c; j++) {
      let dot = 0;
      for (let i = 0; i < m; i++)
        dot += av[t * m * c + i * c + j]! * b.data[t * m * c + i * c + j]!;
      const s = dot < 0 ? -1 : 1;
      signs.push(s);
      for (let i = 0; i < m; i++)
        expect(
          Math.abs(s * av[t * m * c + i * c + j]! - b.data[t * m * c + i * c + j]!),
        ).toBeLessThan(tol);
    }
  return signs;
}

/** Asserts `xᵀx = I` for the columns of each matrix. */
function expectOrthonormalColumns(x: Tensor, tol = 1e-10): void {
  const c = x.shape[x.rank - 1]!;
  const g = values(matmul(mT(x), x));
  g.forEach((v, i) =>
    expect(Math.abs(v - (Math.floor(i / c) % c === i % c ? 1 : 0))).toBeLessThan(tol),
  );
}

const w = (c: Case, k: string) => f64(c.w[k]!);

/** The sign-invariant losses of the generator, from Tessera's outputs. */
const losses: Record<string, (c: Case) => (x: Tensor, y?: Tensor) => Tensor> = {
  qr: (c) => (x) => {
    const { q, r } = qr(x, c.extra.mode as 'reduced' | 'complete');
    return matmul(q.mul(w(c, 'c')), r)
      .mul(w(c, 'w1'))
      .sum()
      .add(q.square().mul(w(c, 'w2')).sum())
      .add(r.square().mul(w(c, 'w3')).sum());
  },
  svd: (c) => (x) => {
    const { u, s, vh } = svd(x, c.extra.fullMatrices as boolean);
    const [m, n] = x.shape.slice(-2) as [number, number];
    const k = Math.min(m, n);
    const uk = lead(u, m, k);
    const vk = lead(vh, k, n);
    return s
      .mul(w(c, 'ws'))
      .sum()
      .add(
        matmul(uk.mul(w(c, 'c')), vk)
          .mul(w(c, 'w1'))
          .sum(),
      )
      .add(uk.square().mul(w(c, 'w2')).sum())
      .add(vk.square().mul(w(c, 'w3')).sum());
  },
  svd_values: (c) => (x) => svd(x, false, false).mul(w(c, 'ws')).sum(),
  eigh: (c) => (x) => {
    const { eigenvalues, eigenvectors: v } = eigh(x);
    return eigenvalues
      .mul(w(c, 'ww'))
      .sum()
      .add(
        matmul(v.mul(w(c, 'c')), mT(v))
          .mul(w(c, 'w1'))
          .sum(),
      )
      .add(v.square().mul(w(c, 'w2')).sum());
  },
  lu_factor: (c) => (x) => luFactor(x).lu.mul(w(c, 'w')).sum(),
  pinv: (c) => (x) => pinv(x).mul(w(c, 'w')).sum(),
  lstsq: (c) => (a, b) => lstsq(a, b!).mul(w(c, 'w')).sum(),
  norm: (c) => (x) => normOf(c, x).mul(w(c, 'w')).sum(),
  cholesky_inverse: (c) => (x) =>
    choleskyInverse(x, c.extra.upper as boolean)
      .mul(w(c, 'w'))
      .sum(),
};

function normOf(c: Case, x: Tensor): Tensor {
  const o = c.extra.ord;
  const ord = (
    o === 'inf' ? Number.POSITIVE_INFINITY : o === '-inf' ? Number.NEGATIVE_INFINITY : o
  ) as NormOrd;
  return norm(x, ord, c.extra.axis as number | number[] | null, c.extra.keepdims as boolean);
}

/** Checks one case's values (float64 and float32). */
function checkValues(c: Case): void {
  const x = f64(c.inputs[0]!);
  const a = c.inputs[0]!;
  const [m, n] = a.shape.slice(-2) as [number, number];
  const k = Math.min(m, n);
  switch (c.op) {
    case 'qr': {
      const { q, r } = qr(x, c.extra.mode as 'reduced' | 'complete');
      expect(q.shape).toEqual(c.out.q!.shape);
      expect(r.shape).toEqual(c.out.r!.shape);
      expectClose(values(matmul(q, r)), a.data, { rtol: 1e-12, atol: 1e-12 });
      expectOrthonormalColumns(q);
      const rv = values(r);
      const rr = r.shape[r.rank - 2]!;
      rv.forEach((v, i) => {
        if (Math.floor(i / n) % rr > i % n) expect(v).toBe(0);
      });
      // The first k columns of Q and rows of R are numpy's up to one sign each.
      const signs = expectColumnsUpToSign(lead(q, m, k), sliceArr(c.out.q!, m, k));
      expectColumnsUpToSign(mT(lead(r, k, n)), sliceArr(c.out.r!, k, n, true));
      expect(signs.length).toBeGreaterThan(0);
      const q32 = qr(f32(a), c.extra.mode as 'reduced').q;
      expect(q32.dtype).toBe('float32');
      expectClose(values(matmul(q32, qr(f32(a), c.extra.mode as 'reduced').r)), a.data, {
        rtol: 1e-4,
        atol: 1e-5,
      });
      return;
    }
    case 'svd': {
      const full = c.extra.fullMatrices as boolean;
      const { u, s, vh } = svd(x, full);
      expect(u.shape).toEqual(c.out.u!.shape);
      expect(vh.shape).toEqual(c.out.vh!.shape);
      expectClose(values(s), c.out.s!.data, { rtol: 1e-12, atol: 1e-12 });
      expectOrthonormalColumns(u);
      expectOrthonormalColumns(mT(vh));
      const uk = lead(u, m, k);
      const vk = lead(vh, k, n);
      expectClose(values(matmul(uk.mul(s.expandDims(-2)), vk)), a.data, {
        rtol: 1e-12,
        atol: 1e-12,
      });
      expectColumnsUpToSign(uk, sliceArr(c.out.u!, m, k));
      expectColumnsUpToSign(mT(vk), sliceArr(c.out.vh!, k, n, true));
      expectClose(values(svd(f32(a), full).s), c.out.s!.data, { rtol: 1e-5, atol: 1e-5 });
      return;
    }
    case 'svd_values': {
      const s = svd(x, true, false);
      expectClose(values(s), c.out.s!.data, { rtol: 1e-12, atol: 1e-12 });
      expect(svd(f32(a), true, false).dtype).toBe('float32');
      return;
    }
    case 'eigh': {
      const { eigenvalues, eigenvectors: v } = eigh(x);
      expectClose(values(eigenvalues), c.out.w!.data, { rtol: 1e-12, atol: 1e-12 });
      expectOrthonormalColumns(v);
      expectColumnsUpToSign(v, c.out.v!);
      expectClose(values(matmul(v.mul(eigenvalues.expandDims(-2)), mT(v))), a.data, {
        rtol: 1e-12,
        atol: 1e-12,
      });
      expectClose(values(eigh(f32(a)).eigenvalues), c.out.w!.data, { rtol: 1e-5, atol: 1e-5 });
      return;
    }
    case 'lu_factor': {
      const { lu, pivots } = luFactor(x);
      expect(pivots.dtype).toBe('int32');
      expect(Array.from(pivots.dataSync())).toEqual(c.out.pivots!.data);
      expectClose(values(lu), c.out.lu!.data, { rtol: 1e-12, atol: 1e-12 });
      expectClose(values(luFactor(f32(a)).lu), c.out.lu!.data, { rtol: 1e-4, atol: 1e-5 });
      return;
    }
    case 'matrix_rank': {
      const r = matrixRank(x, c.extra.tol as number | null);
      expect(r.dtype).toBe('int32');
      expect(r.shape).toEqual(c.out.rank!.shape);
      expect(values(r)).toEqual(c.out.rank!.data);
      return;
    }
    default: {
      const key = Object.keys(c.out)[0]!;
      const xs = c.inputs.map(f64);
      const fn = (...ts: Tensor[]) =>
        c.op === 'pinv'
          ? pinv(ts[0]!)
          : c.op === 'lstsq'
            ? lstsq(ts[0]!, ts[1]!)
            : c.op === 'norm'
              ? normOf(c, ts[0]!)
              : choleskyInverse(ts[0]!, c.extra.upper as boolean);
      const y = fn(...xs);
      expect(y.shape).toEqual(c.out[key]!.shape);
      expectClose(values(y), c.out[key]!.data, { rtol: 1e-10, atol: 1e-10 });
      // A rank-deficient matrix rounded to float32 is of full rank: no float32 comparison.
      if (c.extra.valuesOnly) return;
      const y32 = fn(...c.inputs.map(f32));
      expect(y32.dtype).toBe('float32');
      expectClose(values(y32), c.out[key]!.data, { rtol: 1e-4, atol: 1e-4 });
    }
  }
}

/** The leading `rows × cols` block of each golden matrix (`transposed`: as its transpose). */
function sliceArr(a: Arr, rows: number, cols: number, transposed = false): Arr {
  const [m, n] = a.shape.slice(-2) as [number, number];
  const batch = a.data.length / (m * n);
  const data: number[] = [];
  for (let t = 0; t < batch; t++)
    if (transposed) {
      for (let j = 0; j < cols; j++)
        for (let i = 0; i < rows; i++) data.push(a.data[t * m * n + i * n + j]!);
    } else {
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) data.push(a.data[t * m * n + i * n + j]!);
    }
  const shape = [...a.shape.slice(0, -2), transposed ? cols : rows, transposed ? rows : cols];
  return { shape, data };
}

describe('matrix decompositions and norms', () => {
  it.each(golden.cases.map((c, i) => [`${c.op} ${JSON.stringify(c.extra)} #${i}`, c] as const))(
    'match numpy and torch: %s',
    (_n, c) => {
      checkValues(c);
      if (!c.grads) return;
      const g = grads(losses[c.op]!(c))(c.inputs.map(f64));
      g.forEach((gi, i) => expectClose(values(gi), c.grads![i]!.data, { rtol: 1e-7, atol: 1e-8 }));
    },
  );

  it('pass float64 gradient checks', () => {
    const c3 = tensor(Float64Array.from([0.7, -1.3, 0.4]), [3], 'float64');
    for (const shape of [
      [4, 3],
      [3, 5],
    ]) {
      gradCheck(
        (a) => {
          const { q, r } = qr(a);
          return concat([flat(matmul(q.mul(c3), r)), flat(q.square()), flat(r.abs())]);
        },
        [randomValues(shape, 11)],
      );
      gradCheck(
        (a) => {
          const { u, s, vh } = svd(a, false);
          return concat([flat(s), flat(matmul(u.mul(c3), vh)), flat(u.abs()), flat(vh.square())]);
        },
        [randomValues(shape, 12)],
      );
    }
    gradCheck((a) => svd(a, true, false), [randomValues([2, 2, 3], 13)]);
    // A symmetric input from any matrix: eigh reads the lower triangle.
    gradCheck(
      (b) => {
        const { eigenvalues, eigenvectors: v } = eigh(b.add(mT(b)));
        return concat([flat(eigenvalues), flat(v.square()), flat(matmul(v.mul(c3), mT(v)))]);
      },
      [randomValues([2, 3, 3], 14)],
    );
    gradCheck((a) => luFactor(a).lu, [randomValues([2, 3, 3], 15)]);
    gradCheck((a) => pinv(a), [randomValues([3, 4], 16)]);
    gradCheck((a, b) => lstsq(a, b), [randomValues([5, 3], 17), randomValues([5, 2], 18)]);
    gradCheck((a, b) => lstsq(a, b), [randomValues([2, 4], 19), randomValues([2], 20)]);
    const shift = tensor(Float64Array.from([3, 0, 0, 0, 3, 0, 0, 0, 3]), [3, 3], 'float64');
    gradCheck((l) => choleskyInverse(l.add(shift)), [randomValues([3, 3], 21)]);
    gradCheck((l) => choleskyInverse(l.add(shift), true), [randomValues([3, 3], 22)]);
    const x = randomValues([2, 3, 4], 23);
    for (const [ord, axis] of [
      [null, null],
      [3, 2],
      [1, 1],
      ['fro', [1, 2]],
      ['nuc', [1, 2]],
      [2, [2, 1]],
      [-2, [1, 2]],
      [1, [1, 2]],
      [Number.NEGATIVE_INFINITY, [2, 0]],
    ] as [NormOrd, number | number[] | null][])
      gradCheck((t) => norm(t, ord, axis), [x]);
  });

  it('keeps the factors consistent on rank-deficient, zero and int inputs', () => {
    const rank1 = tensor([
      [1, 2, 3],
      [2, 4, 6],
      [3, 6, 9],
      [4, 8, 12],
    ]);
    const { u, s, vh } = svd(rank1);
    expect(u.shape).toEqual([4, 4]);
    expectOrthonormalColumns(u, 1e-5);
    expectOrthonormalColumns(mT(vh), 1e-5);
    expectClose(values(s), [Math.sqrt(30 * 14), 0, 0], { atol: 1e-4, rtol: 1e-5 });
    expect(matrixRank(rank1).arraySync()).toBe(1);
    const z = svd(tensor(new Float64Array(6), [2, 3], 'float64'));
    expectOrthonormalColumns(z.u);
    expectOrthonormalColumns(mT(z.vh));
    expect(values(z.s)).toEqual([0, 0]);
    const q = qr(
      tensor([
        [3, 0],
        [4, 5],
      ]),
    );
    expect(q.q.dtype).toBe('float32');
    expectClose(q.r, [
      [-5, -4],
      [0, 3],
    ]);
    expectClose(
      luFactor(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ).pivots,
      [1, 1],
    );
    expectClose(
      choleskyInverse(
        tensor([
          [2, 0],
          [1, 1],
        ]),
      ),
      [
        [0.5, -0.5],
        [-0.5, 1],
      ],
    );
    expectClose(
      lstsq(
        tensor([
          [1, 0],
          [0, 1],
          [0, 0],
        ]),
        tensor([1, 2, 3]),
      ),
      [1, 2],
    );
    expectClose(norm(tensor([3, -4]), 1), 7);
    expectClose(
      svd(
        tensor([
          [3, 0],
          [0, -4],
        ]),
      ).s,
      [4, 3],
    );
    expectClose(
      eigh(
        tensor([
          [2, 1],
          [1, 2],
        ]),
      ).eigenvalues,
      [1, 3],
    );
    expectClose(
      pinv(
        tensor([
          [2, 0],
          [0, 0],
        ]),
      ),
      [
        [0.5, 0],
        [0, 0],
      ],
    );
    expect(
      matrixRank(
        tensor([
          [1, 2],
          [2, 4],
        ]),
      ).arraySync(),
    ).toBe(1);
    // Repeated eigenvalues: the eigenvectors stay orthonormal and reconstruct the matrix.
    const q6 = qr(f64({ shape: [6, 6], data: Array.from(randomValues([6, 6], 31).values) })).q;
    const d6 = tensor(Float64Array.from([2, 2, 2, -1, -1, 5]), [6], 'float64');
    const sym = matmul(q6.mul(d6), mT(q6));
    const e6 = eigh(sym);
    expectClose(values(e6.eigenvalues), [-1, -1, 2, 2, 2, 5], { atol: 1e-12 });
    expectOrthonormalColumns(e6.eigenvectors);
    expectClose(
      values(matmul(e6.eigenvectors.mul(e6.eigenvalues.expandDims(-2)), mT(e6.eigenvectors))),
      values(sym),
      { atol: 1e-12 },
    );
  });

  it('refuses bad input by name', () => {
    expect(() => qr(tensor([1, 2]))).toThrow(ShapeError);
    expect(() => qr(tensor([1, 2]))).toThrow(/^qr: x must be matrices/);
    expect(() => svd(tensor(3))).toThrow(/^svd: /);
    expect(() => eigh(tensor([[1, 2, 3]]))).toThrow(/^eigh: x must be square/);
    expect(() => choleskyInverse(tensor([[1, 2, 3]]))).toThrow(ShapeError);
    expect(() => luFactor(tensor([[true]]))).toThrow(DTypeError);
    expect(() => norm(tensor([true]))).toThrow(/^norm: x must be a float tensor/);
    expect(() => qr(tensor([[1]]), 'r' as 'reduced')).toThrow(ValueError);
    expect(() => norm(tensor([1, 2]), 'fro', 0)).toThrow(/^norm: ord 'fro' is a matrix norm/);
    expect(() => norm(tensor([[1, 2]]), 3, [0, 1])).toThrow(/^norm: ord 3 is not a matrix norm/);
    expect(() => norm(tensor([[[1]]]), 1)).toThrow(/^norm: ord 1 without axis/);
    expect(() => norm(tensor([[1]]), null, [0, 0])).toThrow(/duplicate axes/);
    expect(() => norm(tensor([[1]]), null, 2)).toThrow(/out of range/);
    expect(() =>
      lstsq(
        tensor([
          [1, 0],
          [0, 1],
        ]),
        tensor([1, 2, 3]),
      ),
    ).toThrow(/^lstsq: b must be \[\.\.\., 2, k\]/);
    expect(() =>
      choleskyInverse(
        tensor([
          [0, 0],
          [1, 1],
        ]),
      ),
    ).toThrow(/^choleskyInverse: matrix 0/);
    const tall = tensor(Float64Array.from([1, 2, 3, 4, 5, 7]), [3, 2], 'float64');
    expect(() => grads((a) => qr(a, 'complete').q.sum())([tall])).toThrow(
      /^qr: no gradient for mode 'complete'/,
    );
    expect(() => grads((a) => luFactor(a).lu.sum())([tall])).toThrow(/^luFactor: the gradient/);
  });
});
