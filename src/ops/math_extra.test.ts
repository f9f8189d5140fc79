/**
 * tensordot against numpy values and torch gradients, erfinv against scipy, segmentSum and
 * segmentMax against numpy's ufunc.at (scripts/math_extra_golden.py), logicalXor and meshgrid
 * by hand, float64 gradient checks, and errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { grads } from '../autograd/grad.js';
import { ShapeError, ValueError } from '../errors.js';
import { tensor } from './creation.js';
import { erfinv, logicalXor, meshgrid, segmentMax, segmentSum, tensordot } from './math_extra.js';

interface Arr {
  shape: number[];
  data: number[];
}
const g = JSON.parse(
  readFileSync(new URL('../../test/fixtures/math_extra_golden.json', import.meta.url), 'utf8'),
) as {
  tensordot: { a: Arr; b: Arr; axes: never; y: Arr; w: number[]; ga: number[]; gb: number[] }[];
  erfinv: { x: number[]; y: number[] };
  segment: {
    data: Arr;
    ids: number[];
    num: number | null;
    sum: number[];
    max: (number | null)[];
    shape: number[];
  }[];
};
const f64 = (a: Arr) => tensor(Float64Array.from(a.data), a.shape, 'float64');

describe('tensordot', () => {
  it.each(g.tensordot.map((c, i) => [i, c] as const))(
    "matches numpy and torch's gradients (case %i)",
    (_i, c) => {
      const a = f64(c.a);
      const b = f64(c.b);
      const y = tensordot(a, b, c.axes);
      expect(y.shape).toEqual(c.y.shape);
      expectClose(Array.from(y.dataSync()), c.y.data, { rtol: 1e-12, atol: 1e-12 });
      const w = tensor(Float64Array.from(c.w), c.y.shape, 'float64');
      const [ga, gb] = grads((x, z) => tensordot(x, z, c.axes).mul(w).sum())([a, b]);
      expectClose(Array.from(ga!.dataSync()), c.ga, { rtol: 1e-12, atol: 1e-12 });
      expectClose(Array.from(gb!.dataSync()), c.gb, { rtol: 1e-12, atol: 1e-12 });
    },
  );

  it('refuses mismatched axes', () => {
    const a = tensor(new Float32Array(6), [2, 3]);
    expect(() => tensordot(a, a, 1)).toThrow(ShapeError);
    expect(() => tensordot(a, a, 1)).toThrow(
      /axis 1 of a \[2, 3\] is 3, axis 0 of b \[2, 3\] is 2/,
    );
    expect(() => tensordot(a, a, 3)).toThrow(/axes must be an integer in \[0, 2\]/);
  });
});

describe('erfinv', () => {
  it("matches scipy's erfinv in float64, and inverts erf in float32", () => {
    const y = erfinv(tensor(Float64Array.from(g.erfinv.x), [g.erfinv.x.length], 'float64'));
    expectClose(Array.from(y.dataSync()), g.erfinv.y, { rtol: 1e-6, atol: 1e-7 });
    // float32 only where its rounding of x moves erfinv by less than the tolerance.
    const mid = g.erfinv.x.flatMap((x, i) => (Math.abs(x) <= 0.99 ? [i] : []));
    const y32 = erfinv(
      tensor(
        Float32Array.from(mid, (i) => g.erfinv.x[i]!),
        [mid.length],
      ),
    );
    expectClose(
      Array.from(y32.dataSync()),
      mid.map((i) => g.erfinv.y[i]!),
      { rtol: 1e-5, atol: 1e-6 },
    );
    expect(Array.from(erfinv(tensor([1, -1, 2, 0])).dataSync())).toEqual([
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      0,
    ]);
  });

  it('has the gradient √π/2 · exp(erfinv(x)²) (float64 check)', () => {
    gradCheck((x) => erfinv(x), [randomValues([7], 3, -0.9, 0.9)]);
  });
});

describe('segmentSum and segmentMax', () => {
  it.each(g.segment.map((c, i) => [i, c] as const))('match numpy (case %i)', (_i, c) => {
    const data = f64(c.data);
    const ids = tensor(Int32Array.from(c.ids), [c.ids.length], 'int32');
    const s = segmentSum(data, ids, c.num);
    expect(s.shape).toEqual(c.shape);
    expectClose(Array.from(s.dataSync()), c.sum, { rtol: 1e-12, atol: 1e-12 });
    const m = segmentMax(data, ids, c.num);
    expect(Array.from(m.dataSync())).toEqual(c.max.map((v) => v ?? Number.NEGATIVE_INFINITY));
  });

  it('pass float64 gradient checks (the max gradient goes to each winner)', () => {
    const ids = tensor(Int32Array.from([0, 1, 0, 2, 1]), [5], 'int32');
    gradCheck((d) => segmentSum(d, ids), [randomValues([5, 3], 1)]);
    gradCheck((d) => segmentMax(d, ids), [randomValues([5, 3], 2)]);
  });

  it('refuses ids that do not fit', () => {
    const d = tensor([1, 2, 3]);
    expect(() => segmentSum(d, tensor([0, 1], undefined, 'int32'))).toThrow(
      /segmentIds must be 1-D with one id per row of data \[3\], got \[2\]/,
    );
    expect(() => segmentMax(d, tensor([0, 1, 5], undefined, 'int32'), 3)).toThrow(ValueError);
    expect(() => segmentMax(d, tensor([0, 1, 5], undefined, 'int32'), 3)).toThrow(
      /segment id 5 is not below numSegments 3/,
    );
  });
});

describe('logicalXor and meshgrid', () => {
  it('compute by hand', () => {
    expect(
      logicalXor(
        tensor([true, true, false, false], undefined, 'bool'),
        tensor([true, false, true, false], undefined, 'bool'),
      ).arraySync(),
    ).toEqual([false, true, true, false]);
    const [xx, yy] = meshgrid([tensor([1, 2, 3]), tensor([4, 5])]);
    expect(xx!.arraySync()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(yy!.arraySync()).toEqual([
      [4, 4, 4],
      [5, 5, 5],
    ]);
    const [ii, jj] = meshgrid([tensor([1, 2, 3]), tensor([4, 5])], 'ij');
    expect(ii!.shape).toEqual([3, 2]);
    expect(jj!.arraySync()).toEqual([
      [4, 5],
      [4, 5],
      [4, 5],
    ]);
  });
});
