import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { rng } from '../../test/helpers/rng.js';
import {
  DTypeError,
  type Tensor,
  ValueError,
  all,
  any,
  argmax,
  argmin,
  grad,
  logSumExp,
  max,
  mean,
  min,
  prod,
  scalar,
  std,
  sum,
  tensor,
  variance,
  zeros,
} from '../index.js';

function randomArray(n: number, seed: number, lo = -2, hi = 2): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/**
 * Naive reference: the groups of input values that each output element reduces, in row-major
 * output order, with the output shape. Written from scratch: walks every input index.
 */
function groups(
  values: ArrayLike<number>,
  shape: readonly number[],
  axesIn: readonly number[] | undefined,
  keepDims: boolean,
): { groups: number[][]; shape: number[] } {
  const rank = shape.length;
  const axes = (axesIn ?? shape.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
  const outDims = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outSize = sizeOf(outDims);
  const gs: number[][] = Array.from({ length: outSize }, () => []);
  const idx = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < values.length; flat++) {
    let rem = flat;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    let o = 0;
    for (let d = 0; d < rank; d++) o = o * outDims[d]! + (axes.includes(d) ? 0 : idx[d]!);
    gs[o]!.push(values[flat]!);
  }
  const outShape = keepDims ? outDims : shape.filter((_, i) => !axes.includes(i));
  return { groups: gs, shape: outShape };
}

const refs: Record<string, (g: number[]) => number> = {
  sum: (g) => g.reduce((a, b) => a + b, 0),
  prod: (g) => g.reduce((a, b) => a * b, 1),
  max: (g) =>
    g.reduce(
      (a, b) => (Number.isNaN(a) || b > a || Number.isNaN(b) ? b : a),
      Number.NEGATIVE_INFINITY,
    ),
  min: (g) =>
    g.reduce(
      (a, b) => (Number.isNaN(a) || b < a || Number.isNaN(b) ? b : a),
      Number.POSITIVE_INFINITY,
    ),
  mean: (g) => g.reduce((a, b) => a + b, 0) / g.length,
  variance: (g) => {
    const m = g.reduce((a, b) => a + b, 0) / g.length;
    return g.reduce((a, b) => a + (b - m) * (b - m), 0) / g.length;
  },
  std: (g) => Math.sqrt(refs.variance!(g)),
  logSumExp: (g) => Math.log(g.reduce((a, b) => a + Math.exp(b), 0)),
};

type ReduceFn = (x: Tensor, axis?: number | number[], keepDims?: boolean) => Tensor;
const ops: Record<string, ReduceFn> = { sum, prod, max, min, mean, variance, std, logSumExp };

const axisCases: { shape: number[]; axis: number | number[] | undefined }[] = [
  { shape: [2, 3, 4], axis: undefined },
  { shape: [2, 3, 4], axis: 0 },
  { shape: [2, 3, 4], axis: 1 },
  { shape: [2, 3, 4], axis: 2 },
  { shape: [2, 3, 4], axis: -1 },
  { shape: [2, 3, 4], axis: [0, 2] },
  { shape: [2, 3, 4], axis: [-1, -3] },
  { shape: [2, 3, 4], axis: [1, 2] },
  { shape: [2, 3, 4], axis: [0, 1, 2] },
  { shape: [3, 1, 2, 5], axis: [0, 3] },
  { shape: [3, 1, 2, 5], axis: [1, -2] },
  { shape: [7], axis: 0 },
  { shape: [5, 4], axis: [] },
];

describeBackends('reductions: values', () => {
  for (const [name, op] of Object.entries(ops)) {
    for (const { shape, axis } of axisCases) {
      for (const keepDims of [false, true]) {
        it(`${name} over ${JSON.stringify(axis)} of ${JSON.stringify(shape)}, keepDims=${keepDims}, matches a naive loop`, () => {
          // prod of many values in [-2, 2] stays well inside float32; positive-ish inputs keep
          // logSumExp and std well conditioned.
          const x = tensor(randomArray(sizeOf(shape), 17 + shape.length), shape);
          const data = x.dataSync();
          const axes = axis === undefined ? undefined : typeof axis === 'number' ? [axis] : axis;
          const ref = groups(data, shape, axes, keepDims);
          const y = op(x, axis, keepDims);
          expect(y.shape).toEqual(ref.shape);
          expect(y.dtype).toBe('float32');
          expectClose(y.dataSync(), ref.groups.map(refs[name]!), { rtol: 2e-5, atol: 1e-5 });
        });
      }
    }
  }

  it('hand-computed sums and keepDims shapes', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    // all: 1+…+6 = 21; axis 0: [1+4, 2+5, 3+6]; axis 1: [1+2+3, 4+5+6]
    expectClose(sum(x), 21);
    expect(sum(x).shape).toEqual([]);
    expectClose(sum(x, 0), [5, 7, 9]);
    expectClose(sum(x, 1), [6, 15]);
    expectClose(sum(x, -1), [6, 15]);
    expect(sum(x, 0, true).shape).toEqual([1, 3]);
    expect(sum(x, 1, true).shape).toEqual([2, 1]);
    expect(sum(x, undefined, true).shape).toEqual([1, 1]);
    expectClose(sum(x, undefined, true), [[21]]);
    expectClose(x.sum(1, true), [[6], [15]]);
  });

  it('hand-computed mean, max, min, prod, variance, std', () => {
    const x = tensor([
      [1, 5, -2],
      [3, 3, 0],
    ]);
    expectClose(mean(x, 1), [4 / 3, 2]);
    expectClose(max(x, 1), [5, 3]);
    expectClose(min(x, 0), [1, 3, -2]);
    expectClose(prod(x, 1), [-10, 0]);
    // variance([1, 2, 3, 4]): mean 2.5, squared deviations 2.25+0.25+0.25+2.25 = 5, /4 = 1.25
    expectClose(variance(tensor([1, 2, 3, 4])), 1.25);
    // std([1, 3]): mean 2, variance (1 + 1)/2 = 1
    expectClose(std(tensor([1, 3])), 1);
    // logSumExp([0, 0]) = log 2
    expectClose(logSumExp(tensor([0, 0])), Math.LN2);
  });

  it('mean of int32 is float32; sum and max of int32 stay int32', () => {
    const x = tensor([1, 2, 4, 4], undefined, 'int32');
    const m = mean(x);
    expect(m.dtype).toBe('float32');
    // (1 + 2 + 4 + 4)/4 = 2.75, not the truncated 2
    expectClose(m, 2.75);
    expect(sum(x).dtype).toBe('int32');
    expect(sum(x).item()).toBe(11);
    expect(max(x).dtype).toBe('int32');
    expect(max(x).item()).toBe(4);
    expect(variance(x).dtype).toBe('float32');
    // deviations from 2.75: -1.75, -0.75, 1.25, 1.25 → squares 3.0625+0.5625+1.5625+1.5625 = 6.75; /4
    expectClose(variance(x), 6.75 / 4);
  });

  it('sum of bool counts the true values (int32)', () => {
    const b = tensor([
      [true, false, true],
      [true, true, true],
    ]);
    const s = sum(b);
    expect(s.dtype).toBe('int32');
    expect(s.item()).toBe(5);
    expect(Array.from(sum(b, 1).dataSync())).toEqual([2, 3]);
    expect(Array.from(sum(b, 0).dataSync())).toEqual([2, 1, 2]);
    expectClose(mean(b), 5 / 6);
  });

  it('any and all', () => {
    const b = tensor([
      [true, false],
      [false, false],
    ]);
    expect(any(b).item()).toBe(1);
    expect(all(b).item()).toBe(0);
    expect(Array.from(any(b, 1).dataSync())).toEqual([1, 0]);
    expect(
      Array.from(
        all(
          tensor([
            [1, 2],
            [0, 3],
          ]),
          1,
        ).dataSync(),
      ),
    ).toEqual([1, 0]);
    expect(any(b, 1).dtype).toBe('bool');
  });

  it('max and min propagate NaN', () => {
    const x = tensor([
      [1, Number.NaN, 3],
      [4, 5, 6],
    ]);
    expectClose(max(x, 1), [Number.NaN, 6]);
    expectClose(min(x, 1), [Number.NaN, 4]);
    expect(max(x).item()).toBeNaN();
  });

  it('empty reductions: sum 0, prod 1, mean NaN; max keeps an empty non-reduced axis', () => {
    expectClose(sum(zeros([0, 3]), 0), [0, 0, 0]);
    expectClose(prod(zeros([2, 0]), 1), [1, 1]);
    expect(mean(zeros([0])).item()).toBeNaN();
    expect(max(zeros([0, 3]), 1).shape).toEqual([0]);
  });

  it('argmax/argmin: ties return the first index', () => {
    const x = tensor([
      [1, 5, 5],
      [3, 3, 1],
      [2, 0, 0],
    ]);
    const am = argmax(x, 1);
    expect(am.dtype).toBe('int32');
    expect(Array.from(am.dataSync())).toEqual([1, 0, 0]);
    expect(Array.from(argmin(x, 1).dataSync())).toEqual([0, 2, 1]);
    // columns: [1,3,2] → max at 1, min at 0; [5,3,0] → max 0, min 2; [5,1,0] → max 0, min 2
    expect(Array.from(argmax(x, 0).dataSync())).toEqual([1, 0, 0]);
    expect(Array.from(argmin(x, 0).dataSync())).toEqual([0, 2, 2]);
    expect(Array.from(argmax(x, -1).dataSync())).toEqual([1, 0, 0]);
    expect(argmin(tensor([3, 1, 1])).item()).toBe(1);
    expect(argmax(tensor([7, 7, 7])).item()).toBe(0);
  });

  it('argmax/argmin return the index of a NaN', () => {
    expect(argmax(tensor([1, Number.NaN, 3])).item()).toBe(1);
    expect(argmin(tensor([1, Number.NaN, -3])).item()).toBe(1);
    expect(argmax(tensor([Number.NaN, 9])).item()).toBe(0);
    // column 0: [1, NaN, 3] → 1; column 1: [2, 0, NaN] → 2
    const x = tensor([
      [1, 2],
      [Number.NaN, 0],
      [3, Number.NaN],
    ]);
    expect(Array.from(argmax(x, 0).dataSync())).toEqual([1, 2]);
  });

  it('argmax with axis undefined searches the flattened tensor', () => {
    const x = tensor([
      [1, 5],
      [7, 2],
    ]);
    // flattened [1, 5, 7, 2]: max at 2, min at 0
    const y = argmax(x);
    expect(y.shape).toEqual([]);
    expect(y.item()).toBe(2);
    expect(
      argmin(
        tensor([
          [4, 3],
          [0, 0],
        ]),
      ).item(),
    ).toBe(2);
    expect(
      argmax(
        tensor([
          [
            [0, 1],
            [2, 3],
          ],
          [
            [9, 4],
            [5, 9],
          ],
        ]),
      ).item(),
    ).toBe(4);
  });

  it('argmax on random rank-3 data matches a naive scan on every axis', () => {
    const shape = [3, 4, 5];
    const x = tensor(randomArray(60, 99), shape);
    const v = x.dataSync();
    for (let axis = 0; axis < 3; axis++) {
      const outShape = shape.filter((_, i) => i !== axis);
      const expected: number[] = [];
      const strides = [20, 5, 1];
      for (let o = 0; o < sizeOf(outShape); o++) {
        // o indexes the remaining axes row-major; rebuild the base offset.
        let rem = o;
        let base = 0;
        for (let d = 2; d >= 0; d--) {
          if (d === axis) continue;
          base += (rem % shape[d]!) * strides[d]!;
          rem = Math.floor(rem / shape[d]!);
        }
        let best = 0;
        for (let i = 1; i < shape[axis]!; i++) {
          if (v[base + i * strides[axis]!]! > v[base + best * strides[axis]!]!) best = i;
        }
        expected.push(best);
      }
      const y = argmax(x, axis);
      expect(y.shape).toEqual(outShape);
      expect(Array.from(y.dataSync())).toEqual(expected);
    }
  });

  it('argmax of bool works on 0/1', () => {
    expect(argmax(tensor([false, true, true])).item()).toBe(1);
  });
});

describe('reductions: TensorFlow.js as an oracle', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('sum, max, min, prod, mean, logSumExp over [0, 2] of [3, 4, 2]', () => {
    const shape = [3, 4, 2];
    const vals = randomArray(24, 5);
    const x = tensor(vals, shape);
    const tx = tf.tensor(vals, shape, 'float32');
    expectClose(sum(x, [0, 2]), tf.sum(tx, [0, 2]).dataSync());
    expectClose(max(x, [0, 2], true), tf.max(tx, [0, 2], true).dataSync());
    expect(max(x, [0, 2], true).shape).toEqual(tf.max(tx, [0, 2], true).shape);
    expectClose(min(x, 1), tf.min(tx, 1).dataSync());
    expectClose(prod(x, -1), tf.prod(tx, -1).dataSync());
    expectClose(mean(x, [0, 1]), tf.mean(tx, [0, 1]).dataSync());
    expectClose(logSumExp(x, [0, 2]), tf.logSumExp(tx, [0, 2]).dataSync(), { rtol: 1e-5 });
  });

  it('variance and std against tf.moments', () => {
    const vals = randomArray(24, 6);
    const x = tensor(vals, [4, 6]);
    const { variance: tv } = tf.moments(tf.tensor(vals, [4, 6]), 1);
    expectClose(variance(x, 1), tv.dataSync(), { rtol: 1e-5 });
    expectClose(std(x, 1), tf.sqrt(tv).dataSync(), { rtol: 1e-5 });
  });

  it('argmax and argmin against tf', () => {
    const vals = randomArray(24, 8);
    const x = tensor(vals, [2, 3, 4]);
    const tx = tf.tensor(vals, [2, 3, 4]);
    for (const ax of [0, 1, 2]) {
      expect(Array.from(argmax(x, ax).dataSync())).toEqual(
        Array.from(tf.argMax(tx, ax).dataSync()),
      );
      expect(Array.from(argmin(x, ax).dataSync())).toEqual(
        Array.from(tf.argMin(tx, ax).dataSync()),
      );
    }
  });
});

describe('reductions: errors', () => {
  it('axis out of range names the op', () => {
    const x = zeros([2, 3]);
    expect(() => sum(x, 2)).toThrow(ValueError);
    expect(() => sum(x, 2)).toThrow(/^sum: axis 2 is out of range for rank 2/);
    expect(() => sum(x, -3)).toThrow(/^sum: axis -3 is out of range/);
    expect(() => mean(x, [0, 5])).toThrow(/^mean: axis 5 is out of range/);
    expect(() => max(x, 1.5)).toThrow(/^max: axis 1.5/);
    expect(() => argmax(x, 2)).toThrow(ValueError);
    expect(() => argmax(x, 2)).toThrow(/^argmax: axis 2 is out of range/);
  });

  it('repeated axes are rejected', () => {
    expect(() => sum(zeros([2, 3]), [1, -1])).toThrow(ValueError);
    expect(() => sum(zeros([2, 3]), [1, -1])).toThrow(/^sum: repeated axis/);
  });

  it('max/min over an empty axis and argmax of an empty axis or a scalar', () => {
    expect(() => max(zeros([0, 3]), 0)).toThrow(ValueError);
    expect(() => max(zeros([0, 3]), 0)).toThrow(/^max: cannot reduce an empty axis/);
    expect(() => min(zeros([0]))).toThrow(/^min: cannot reduce an empty axis/);
    expect(() => argmax(zeros([2, 0]), 1)).toThrow(/^argmax: axis 1 of shape \[2, 0\] is empty/);
    expect(() => argmin(scalar(3), 0)).toThrow(/^argmin: needs rank >= 1/);
  });

  it('variance of bool is a DTypeError', () => {
    expect(() => variance(tensor([true, false]))).toThrow(DTypeError);
    expect(() => variance(tensor([true, false]))).toThrow(/^variance: bool/);
  });
});

describe('reductions: gradients', () => {
  const cases: { shape: number[]; axis: number | number[] | undefined; keepDims: boolean }[] = [
    { shape: [2, 3, 4], axis: undefined, keepDims: false },
    { shape: [2, 3, 4], axis: undefined, keepDims: true },
    { shape: [2, 3, 4], axis: 1, keepDims: false },
    { shape: [2, 3, 4], axis: 1, keepDims: true },
    { shape: [2, 3, 4], axis: [0, 2], keepDims: false },
    { shape: [2, 3, 4], axis: [0, 2], keepDims: true },
    { shape: [2, 3, 4], axis: -1, keepDims: false },
    { shape: [2, 3, 4], axis: [-3, -2], keepDims: true },
  ];

  for (const name of ['sum', 'mean', 'max', 'min', 'logSumExp', 'variance', 'std']) {
    for (const { shape, axis, keepDims } of cases) {
      it(`${name} over ${JSON.stringify(axis)}, keepDims=${keepDims}`, () => {
        // Continuous random values: no ties, so max/min are differentiable there.
        gradCheck((x) => ops[name]!(x, axis, keepDims), [randomValues(shape, 3)]);
      });
    }
  }

  for (const { shape, axis, keepDims } of cases) {
    it(`prod over ${JSON.stringify(axis)}, keepDims=${keepDims}, away from zero`, () => {
      // |x| in [0.5, 1.5] with mixed signs.
      const r = randomValues(shape, 4, 0.5, 1.5);
      const values = r.values.map((v, i) => (i % 3 === 1 ? -v : v));
      gradCheck((x) => prod(x, axis, keepDims), [{ values, shape }]);
    });
  }

  it('max with ties splits the gradient equally (by hand)', () => {
    // Row 0 [1, 3, 3]: max 3 hit twice → each gets dy/2; row 1 [2, 0, 1]: single max at 0.
    const x = tensor([
      [1, 3, 3],
      [2, 0, 1],
    ]);
    expectClose(grad((t) => max(t, 1).sum())(x), [
      [0, 0.5, 0.5],
      [1, 0, 0],
    ]);
    // With dy = [2, 4]: row 0 shares 2 → 1 each; row 1 gets 4.
    expectClose(grad((t) => max(t, 1))(x, [2, 4]), [
      [0, 1, 1],
      [4, 0, 0],
    ]);
    // Global max 3, tied at two places → 1/2 each.
    expectClose(grad((t) => max(t))(x), [
      [0, 0.5, 0.5],
      [0, 0, 0],
    ]);
    // Three-way tie → 1/3 each; keepDims too.
    expectClose(
      grad((t) => max(t, 0, true).sum())(
        tensor([
          [7, 1],
          [7, 2],
          [7, 2],
        ]),
      ),
      [
        [1 / 3, 0],
        [1 / 3, 0.5],
        [1 / 3, 0.5],
      ],
    );
  });

  it('min with ties splits the gradient equally (by hand)', () => {
    // Column 0 [2, 2, 5]: min 2 hit twice → 1/2 each; column 1 [4, 1, 1]: 1/2 each at rows 1, 2.
    const x = tensor([
      [2, 4],
      [2, 1],
      [5, 1],
    ]);
    expectClose(grad((t) => min(t, 0).sum())(x), [
      [0.5, 0],
      [0.5, 0.5],
      [0, 0.5],
    ]);
    // Without ties: [3, -1, 2] → all of the gradient to index 1.
    expectClose(grad((t) => min(t))(tensor([3, -1, 2])), [0, 1, 0]);
  });

  it('prod gradient with one zero and two zeros in a group (by hand)', () => {
    // d/dxᵢ Πx = Π_{j≠i} xⱼ.
    // [2, 0, 3]: ∂/∂x0 = 0·3 = 0, ∂/∂x1 = 2·3 = 6, ∂/∂x2 = 2·0 = 0
    // [0, 0, 4]: every partial keeps at least one zero → 0
    // [1, 2, 3]: [2·3, 1·3, 1·2] = [6, 3, 2]
    const x = tensor([
      [2, 0, 3],
      [0, 0, 4],
      [1, 2, 3],
    ]);
    expectClose(grad((t) => prod(t, 1).sum())(x), [
      [0, 6, 0],
      [0, 0, 0],
      [6, 3, 2],
    ]);
    // Whole tensor [2, 0, -3, 0.5]: only the zero gets 2·(−3)·0.5 = −3.
    expectClose(grad((t) => prod(t))(tensor([2, 0, -3, 0.5])), [0, -3, 0, 0]);
    // Column-wise, axis 0 of [[0, 2], [5, 0]] → ∂ = [[5, 0], [0, 2]]
    expectClose(
      grad((t) => prod(t, 0).sum())(
        tensor([
          [0, 2],
          [5, 0],
        ]),
      ),
      [
        [5, 0],
        [0, 2],
      ],
    );
  });

  it('prod gradient by gradCheck at a point with exactly one zero', () => {
    // The function is smooth everywhere (a polynomial); the check is valid at zero too.
    gradCheck((x) => prod(x, 1), [{ values: [2, 0, 3, 0.5, -1, 1.5], shape: [2, 3] }]);
  });

  it('mean and sum gradients by hand', () => {
    // d/dx mean(x) over 4 elements = 1/4 each.
    expectClose(grad((t) => mean(t))(tensor([1, 2, 3, 4])), [0.25, 0.25, 0.25, 0.25]);
    // d/dx Σ_axis1 x then ·[1, 2] → rows get 1 and 2.
    expectClose(
      grad((t) => sum(t, 1))(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        [1, 2],
      ),
      [
        [1, 1],
        [2, 2],
      ],
    );
  });
});
