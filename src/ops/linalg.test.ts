/**
 * inv, det, solve, triangularSolve and cholesky against numpy/scipy values and torch's
 * gradients of Σ w·f (scripts/linalg_golden.py), float64 gradient checks, float32 runs, and
 * the refusals of singular and non-positive-definite matrices.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { grads } from '../autograd/grad.js';
import { ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { cholesky, det, inv, solve, triangularSolve } from './linalg.js';
import { matmul } from './matmul.js';
import { transpose } from './movement.js';

interface Arr {
  shape: number[];
  data: number[];
}
const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/linalg_golden.json', import.meta.url), 'utf8'),
) as {
  cases: {
    op: string;
    extra: Record<string, boolean>;
    inputs: Arr[];
    y: Arr;
    w: Arr;
    grads: Arr[];
  }[];
};
const f64 = (a: Arr) => tensor(Float64Array.from(a.data), a.shape, 'float64');

const fns: Record<string, (e: Record<string, boolean>) => (...xs: Tensor[]) => Tensor> = {
  inv: () => (a) => inv(a),
  det: () => (a) => det(a),
  solve: () => (a, b) => solve(a, b),
  solve_vector: () => (a, b) => solve(a, b),
  triangular_solve: (e) => (a, b) => triangularSolve(a, b, e.lower),
  cholesky: (e) => (a) => cholesky(a, e.upper),
};

describe('linear algebra', () => {
  it.each(golden.cases.map((c, i) => [`${c.op} ${JSON.stringify(c.extra)} #${i}`, c] as const))(
    'matches numpy and torch: %s',
    (_n, c) => {
      const f = fns[c.op]!(c.extra);
      const xs = c.inputs.map(f64);
      const y = f(...xs);
      expect(y.shape).toEqual(c.y.shape);
      expectClose(Array.from(y.dataSync()), c.y.data, { rtol: 1e-10, atol: 1e-10 });
      const w = f64(c.w);
      const g = grads((...ts) =>
        f(...ts)
          .mul(w)
          .sum(),
      )(xs);
      g.forEach((gi, i) =>
        expectClose(Array.from(gi.dataSync()), c.grads[i]!.data, { rtol: 1e-8, atol: 1e-9 }),
      );
      const y32 = f(...c.inputs.map((a) => tensor(Float32Array.from(a.data), a.shape)));
      expect(y32.dtype).toBe('float32');
      expectClose(Array.from(y32.dataSync()), c.y.data, { rtol: 1e-4, atol: 1e-4 });
    },
  );

  it('pass float64 gradient checks', () => {
    const shift = (a: Tensor) =>
      a.add(tensor(Float64Array.from([3, 0, 0, 0, 3, 0, 0, 0, 3]), [3, 3], 'float64'));
    gradCheck((a) => inv(shift(a)), [randomValues([3, 3], 1)]);
    gradCheck((a) => det(shift(a)), [randomValues([2, 3, 3], 2)]);
    gradCheck((a, b) => solve(shift(a), b), [randomValues([3, 3], 3), randomValues([3, 2], 4)]);
    gradCheck(
      (a, b) => triangularSolve(shift(a), b, true),
      [randomValues([3, 3], 5), randomValues([3], 6)],
    );
    // A symmetric positive-definite input built from any matrix.
    gradCheck((a) => cholesky(shift(matmul(a, transpose(a)))), [randomValues([3, 3], 7)]);
  });

  it('refuses singular, non-square and non-positive-definite matrices', () => {
    const singular = tensor([
      [1, 2],
      [2, 4],
    ]);
    expect(() => inv(singular)).toThrow(ValueError);
    expect(() => inv(singular)).toThrow(/inv: matrix 0 of the batch is singular/);
    expect(det(singular).arraySync()).toBe(0);
    expect(() => solve(singular, tensor([1, 1]))).toThrow(/singular/);
    expect(() => inv(tensor([[1, 2, 3]]))).toThrow(ShapeError);
    expect(() =>
      cholesky(
        tensor([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toThrow(/not positive definite/);
    expect(() =>
      solve(
        tensor([
          [1, 0],
          [0, 1],
        ]),
        tensor([1, 2, 3]),
      ),
    ).toThrow(/b must be \[\.\.\., 2, k\]/);
  });
});
