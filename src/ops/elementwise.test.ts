import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import {
  type DType,
  DTypeError,
  ShapeError,
  type Tensor,
  ValueError,
  abs,
  add,
  atan2,
  cast,
  ceil,
  clip,
  cos,
  div,
  equal,
  erf,
  exp,
  expm1,
  floor,
  floorDiv,
  grads,
  greater,
  greaterEqual,
  isFinite as isFiniteOp,
  isNaN as isNaNOp,
  less,
  lessEqual,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  maximum,
  minimum,
  mod,
  mul,
  neg,
  notEqual,
  pow,
  reciprocal,
  round,
  rsqrt,
  scalar,
  sign,
  sin,
  sqrt,
  square,
  squaredDifference,
  sub,
  tanh,
  tensor,
  where,
  zeros,
} from '../index.js';

type Values = { values: ArrayLike<number>; shape: readonly number[] };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A Tessera float32 tensor of the given values. */
const t32 = (v: Values) => tensor(Array.from(v.values), [...v.shape], 'float32');

/** Runs a TensorFlow.js op on the same values, as the oracle. */
function oracle(
  f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  a: Values,
  b: Values,
  dtype: 'float32' | 'int32' = 'float32',
): { values: number[]; shape: number[] } {
  return tf.tidy(() => {
    const y = f(
      tf.tensor(Array.from(a.values), [...a.shape], dtype),
      tf.tensor(Array.from(b.values), [...b.shape], dtype),
    );
    return { values: Array.from(y.dataSync(), Number), shape: y.shape };
  });
}

/** Values on a 0.1 grid plus `offset`: two grids offset by 0.05 never tie (maximum, minimum). */
function grid(shape: readonly number[], seed: number, offset: number): Values {
  const r = randomValues(shape, seed, -10, 10);
  return { values: Array.from(r.values, (v) => Math.round(v) * 0.1 + offset), shape };
}

/** Random magnitudes in [lo, hi) with alternating sign: kept away from 0 (div, atan2). */
function awayFromZero(shape: readonly number[], seed: number, lo = 0.5, hi = 1.5): Values {
  const r = randomValues(shape, seed, lo, hi);
  return { values: Array.from(r.values, (v, i) => (i % 2 ? -v : v)), shape };
}

/** For mod: integers ±1, ±2 as divisors, and dividends with fractional part in [0.2, 0.8]. */
function modDivisor(shape: readonly number[]): Values {
  const n = shape.reduce((p, d) => p * d, 1);
  return { values: Array.from({ length: n }, (_, i) => [1, -2, 2, -1][i % 4]!), shape };
}
function modDividend(shape: readonly number[], seed: number): Values {
  const r = randomValues(shape, seed, 0, 1);
  // a = k + f with k ∈ {-3…2} and f ∈ [0.2, 0.8]: a/b for b ∈ {±1, ±2} is never within 0.1 of an integer.
  return { values: Array.from(r.values, (v, i) => ((i * 7) % 6) - 3 + 0.2 + 0.6 * v), shape };
}

const BROADCAST_PAIRS: [readonly number[], readonly number[]][] = [
  [[2, 3], [3]],
  [
    [2, 1],
    [1, 3],
  ],
  [[], [2, 2]],
  [[2, 2, 3], [3]],
  [[3], [2, 3]],
];

describeBackends('elementwise unary math', () => {
  const cases: [string, (x: Tensor) => Tensor, (x: number) => number, number[]][] = [
    ['neg', neg, (x) => -x, [-2.5, 0, 1, 3.25]],
    ['abs', abs, Math.abs, [-2.5, -0, 1, 3.25]],
    ['square', square, (x) => x * x, [-3, -0.5, 0, 1.5, 40]],
    ['sqrt', sqrt, Math.sqrt, [0, 0.25, 2, 9, 1e4]],
    ['rsqrt', rsqrt, (x) => 1 / Math.sqrt(x), [0.25, 1, 4, 100, 7]],
    ['reciprocal', reciprocal, (x) => 1 / x, [-4, -0.5, 0.25, 2, 3]],
    ['exp', exp, Math.exp, [-5, -1.5, -0.25, 0, 0.3, 1, 2.7, 10]],
    // Near 0 expm1 and log1p must not lose the small value to rounding of 1 + x.
    ['expm1', expm1, Math.expm1, [1e-7, -1e-5, 0, 0.5, -2]],
    ['log', log, Math.log, [1e-3, 0.5, 1, 2, 10, 1e4]],
    ['log1p', log1p, Math.log1p, [1e-7, -0.5, 0, 3]],
    ['sin', sin, Math.sin, [-3, -1, 0, 0.5, 2, 10]],
    ['cos', cos, Math.cos, [-3, -1, 0, 0.5, 2, 10]],
    ['tanh', tanh, Math.tanh, [-20, -1, 0, 0.5, 3]],
    ['floor', floor, Math.floor, [-1.5, -0.2, 0, 0.7, 2]],
    ['ceil', ceil, Math.ceil, [-1.5, -0.2, 0, 0.7, 2]],
  ];
  for (const [name, f, ref, xs] of cases) {
    it(`${name} matches JS Math on float32 inputs`, () => {
      const y = f(tensor(xs));
      expect(y.dtype).toBe('float32');
      expect(y.shape).toEqual([xs.length]);
      expectClose(
        y,
        xs.map((x) => ref(Math.fround(x))),
        { rtol: 1e-6, atol: 1e-7 },
      );
    });
  }

  it('keeps float64 at full precision', () => {
    const xs = [0.1, 1e-12, 3.7];
    const y = exp(tensor(xs, undefined, 'float64'));
    expect(y.dtype).toBe('float64');
    expectClose(y, xs.map(Math.exp), { rtol: 1e-15, atol: 0 });
    // log1p(1e-12) = 1e-12 − 5e-25 + …: a naive log(1 + x) is off by ~1e-4 relative.
    expectClose(log1p(tensor([1e-12], undefined, 'float64')), [1e-12 - 5e-25], {
      rtol: 1e-15,
      atol: 0,
    });
  });

  it('math functions compute int and bool inputs in float32', () => {
    const y = sqrt(tensor([4, 9, 2], undefined, 'int32'));
    expect(y.dtype).toBe('float32');
    expectClose(y, [2, 3, Math.SQRT2]);
    expect(exp(tensor([true, false])).dtype).toBe('float32');
    expectClose(exp(tensor([true, false])), [Math.E, 1]);
  });

  it('neg, abs, square and sign keep int32', () => {
    const x = tensor([-3, 0, 2], undefined, 'int32');
    for (const [f, want] of [
      [neg, [3, 0, -2]],
      [abs, [3, 0, 2]],
      [square, [9, 0, 4]],
      [sign, [-1, 0, 1]],
    ] as const) {
      const y = f(x);
      expect(y.dtype).toBe('int32');
      expect(y.arraySync()).toEqual(want);
    }
  });

  it('special values: infinities and NaN', () => {
    expectClose(exp(tensor([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NaN])), [
      0,
      Number.POSITIVE_INFINITY,
      Number.NaN,
    ]);
    // log(0) = −∞, log(−1) = NaN, sqrt(−1) = NaN, 1/0 = +∞, rsqrt(0) = +∞
    expectClose(log(tensor([0, -1])), [Number.NEGATIVE_INFINITY, Number.NaN]);
    expectClose(sqrt(tensor([-1])), [Number.NaN]);
    expectClose(reciprocal(tensor([0])), [Number.POSITIVE_INFINITY]);
    expectClose(rsqrt(tensor([0])), [Number.POSITIVE_INFINITY]);
    expectClose(sign(tensor([Number.NaN, -0.5, 0])), [Number.NaN, -1, 0]);
  });

  it('round rounds half to even (NumPy, TensorFlow)', () => {
    // Halves go to the even neighbour: 0.5→0, 1.5→2, 2.5→2, 3.5→4, −0.5→−0, −1.5→−2, −2.5→−2;
    // non-halves to the nearest: 2.4→2, −2.6→−3, 2.51→3.
    const y = round(tensor([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 2.4, -2.6, 2.51]));
    expect(Array.from(y.dataSync())).toEqual([0, 2, 2, 4, -0, -2, -2, 2, -3, 3]);
    expect(round(tensor([7], undefined, 'int32')).dtype).toBe('int32');
  });

  it('erf matches high-precision reference values to 1e-12 in float64', () => {
    // Reference values of erf to 16 digits (Python math.erf / mpmath). erf(−0.3) is
    // −0.32862675945912742 (the often-quoted …591115 is wrong in the 14th digit).
    const xs = [0.5, 1, 2, -0.3, 3.5];
    const want = [
      0.5204998778130465, 0.8427007929497149, 0.9953222650189527, -0.3286267594591274,
      0.9999992569016276,
    ];
    expectClose(erf(tensor(xs, undefined, 'float64')), want, { rtol: 0, atol: 1e-12 });
  });

  it('erf matches the series 2/√π·e^(−x²)·Σ 2ⁿx²ⁿ⁺¹/(2n+1)!! across [−6, 6] in float64', () => {
    // The series has positive terms only, so it is accurate to rounding; it crosses the
    // implementation's region boundaries at 0.5 and 4.
    const xs = [
      -6, -4.0001, -4, -3.9999, -2.2, -0.5, -0.49999, -1e-9, 0, 1e-9, 0.25, 0.49999, 0.5, 0.75, 1.5,
      3.9999, 4, 4.0001, 5.5, 6,
    ];
    expectClose(erf(tensor(xs, undefined, 'float64')), xs.map(erfSeries), {
      rtol: 1e-13,
      atol: 1e-15,
    });
  });

  it('erf is odd, saturates at ±1 and passes NaN', () => {
    expectClose(
      erf(tensor([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 30, -30, Number.NaN])),
      [1, -1, 1, -1, Number.NaN],
    );
    const x = tensor([0.1, 0.7, 1.9, 4.5], undefined, 'float64');
    expectClose(erf(neg(x)), neg(erf(x)), { rtol: 0, atol: 0 });
  });

  it('isNaN and isFinite give bool', () => {
    const x = tensor([Number.NaN, 1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(isNaNOp(x).dtype).toBe('bool');
    expect(isNaNOp(x).arraySync()).toEqual([true, false, false, false]);
    expect(isFiniteOp(x).arraySync()).toEqual([false, true, false, false]);
    expect(isFiniteOp(tensor([1, 2], undefined, 'int32')).arraySync()).toEqual([true, true]);
  });
});

describeBackends('elementwise binary ops vs TensorFlow.js', () => {
  const ops: [
    string,
    (a: Tensor, b: Tensor) => Tensor,
    (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
    (s: readonly number[], seed: number) => [Values, Values],
  ][] = [
    ['add', add, tf.add, (s, k) => [randomValues(s, k, -2, 2), randomValues(s, k + 50, -2, 2)]],
    ['sub', sub, tf.sub, (s, k) => [randomValues(s, k, -2, 2), randomValues(s, k + 50, -2, 2)]],
    ['mul', mul, tf.mul, (s, k) => [randomValues(s, k, -2, 2), randomValues(s, k + 50, -2, 2)]],
    ['div', div, tf.div, (s, k) => [randomValues(s, k, -2, 2), awayFromZero(s, k + 50)]],
    ['pow', pow, tf.pow, (s, k) => [randomValues(s, k, 0.5, 2), randomValues(s, k + 50, -2, 2)]],
    ['maximum', maximum, tf.maximum, (s, k) => [grid(s, k, 0.05), grid(s, k + 50, 0)]],
    ['minimum', minimum, tf.minimum, (s, k) => [grid(s, k, 0.05), grid(s, k + 50, 0)]],
    [
      'squaredDifference',
      squaredDifference,
      tf.squaredDifference,
      (s, k) => [randomValues(s, k, -2, 2), randomValues(s, k + 50, -2, 2)],
    ],
    [
      'atan2',
      atan2,
      tf.atan2,
      (s, k) => [awayFromZero(s, k, 0.3, 1), awayFromZero(s, k + 50, 0.3, 1)],
    ],
    ['mod', mod, tf.mod, (s, k) => [modDividend(s, k), modDivisor(s)]],
    ['floorDiv', floorDiv, tf.floorDiv, (s, k) => [modDividend(s, k), modDivisor(s)]],
  ];
  for (const [name, f, tfF, gen] of ops) {
    it(`${name} broadcasts like NumPy and matches TensorFlow.js`, () => {
      BROADCAST_PAIRS.forEach(([sa, sb], i) => {
        const a = gen(sa, 10 + i)[0];
        const b = gen(sb, 20 + i)[1];
        const want = oracle(tfF, a, b);
        const y = f(t32(a), t32(b));
        expect(y.dtype).toBe('float32');
        expect(y.shape).toEqual(want.shape);
        expectClose(y, want.values, { rtol: 1e-5, atol: 1e-6 });
      });
    });
  }

  it('comparisons broadcast and give bool, matching TensorFlow.js', () => {
    const a = { values: [1, 2, 3, 4, 5, 6], shape: [2, 3] };
    const b = { values: [2, 5, 6], shape: [3] };
    const cmp: [(x: Tensor, y: Tensor) => Tensor, (x: tf.Tensor, y: tf.Tensor) => tf.Tensor][] = [
      [equal, tf.equal],
      [notEqual, tf.notEqual],
      [less, tf.less],
      [lessEqual, tf.lessEqual],
      [greater, tf.greater],
      [greaterEqual, tf.greaterEqual],
    ];
    for (const [f, tfF] of cmp) {
      const y = f(t32(a), t32(b));
      expect(y.dtype).toBe('bool');
      expect(y.shape).toEqual([2, 3]);
      expect(Array.from(y.dataSync())).toEqual(oracle(tfF, a, b).values);
    }
  });

  it('int32 floorDiv and mod follow Python on negatives and stay int32', () => {
    const a = { values: [-7, 7, -7, 7, -1, 1, 0, -6], shape: [8] };
    const b = { values: [2, -2, -2, 2, 3, -3, 5, 3], shape: [8] };
    const fd = floorDiv(tensor(a.values, undefined, 'int32'), tensor(b.values, undefined, 'int32'));
    const md = mod(tensor(a.values, undefined, 'int32'), tensor(b.values, undefined, 'int32'));
    expect(fd.dtype).toBe('int32');
    expect(md.dtype).toBe('int32');
    // Python: −7//2 = −4, 7//−2 = −4, −7//−2 = 3, 7//2 = 3, −1//3 = −1, 1//−3 = −1, 0//5 = 0, −6//3 = −2
    expect(Array.from(fd.dataSync())).toEqual([-4, -4, 3, 3, -1, -1, 0, -2]);
    // Python: −7%2 = 1, 7%−2 = −1, −7%−2 = −1, 7%2 = 1, −1%3 = 2, 1%−3 = −2, 0%5 = 0, −6%3 = 0
    expect(Array.from(md.dataSync())).toEqual([1, -1, -1, 1, 2, -2, 0, 0]);
    expect(Array.from(fd.dataSync())).toEqual(oracle(tf.floorDiv, a, b, 'int32').values);
    expect(Array.from(md.dataSync())).toEqual(oracle(tf.mod, a, b, 'int32').values);
  });
});

describeBackends('elementwise NumPy semantics', () => {
  it('broadcast output shapes', () => {
    // Axes align from the right; size-1 and missing axes stretch.
    expect(add(zeros([2, 3]), zeros([3])).shape).toEqual([2, 3]);
    expect(add(zeros([2, 1]), zeros([1, 3])).shape).toEqual([2, 3]);
    expect(add(zeros([4, 1, 3]), zeros([2, 1])).shape).toEqual([4, 2, 3]);
    expect(add(scalar(1), zeros([2, 2])).shape).toEqual([2, 2]);
    expect(add(scalar(1), scalar(2)).shape).toEqual([]);
    expect(add(zeros([0, 3]), zeros([3])).shape).toEqual([0, 3]);
    expect(add(zeros([1, 0]), zeros([5, 1])).shape).toEqual([5, 0]);
  });

  it('broadcast values: [2,1] · [1,3] is an outer product, rank 3 + rank 1 adds per row', () => {
    // [[1],[2]] · [[10, 20, 30]] = [[10, 20, 30], [20, 40, 60]]
    expect(mul(tensor([[1], [2]]), tensor([[10, 20, 30]])).arraySync()).toEqual([
      [10, 20, 30],
      [20, 40, 60],
    ]);
    // [[[0, 1], [2, 3]], [[4, 5], [6, 7]]] + [10, 100]
    expect(
      add(
        tensor([
          [
            [0, 1],
            [2, 3],
          ],
          [
            [4, 5],
            [6, 7],
          ],
        ]),
        tensor([10, 100]),
      ).arraySync(),
    ).toEqual([
      [
        [10, 101],
        [12, 103],
      ],
      [
        [14, 105],
        [16, 107],
      ],
    ]);
    // A plain number as either operand: 10 − [1, 2] = [9, 8]
    expect(sub(10, tensor([1, 2])).arraySync()).toEqual([9, 8]);
  });

  it('dtype promotion', () => {
    const i = tensor([7, -7], undefined, 'int32');
    const f = tensor([2, 2], undefined, 'float32');
    const d = tensor([2, 2], undefined, 'float64');
    const b = tensor([true, false]);
    expect(add(i, f).dtype).toBe('float32');
    expect(add(i, i).dtype).toBe('int32');
    expect(add(f, d).dtype).toBe('float64');
    expect(add(b, b).dtype).toBe('int32');
    // true + true = 2, false + false = 0 (bool arithmetic computes in int32)
    expect(add(b, tensor([true, false])).arraySync()).toEqual([2, 0]);
    expect(mul(b, i).dtype).toBe('int32');
    // int32 / int32 is true division in float32: 7/2 = 3.5, −7/2 = −3.5
    const q = div(i, tensor([2, 2], undefined, 'int32'));
    expect(q.dtype).toBe('float32');
    expect(q.arraySync()).toEqual([3.5, -3.5]);
    // A number takes the tensor's dtype unless it is fractional: int32 + 2 → int32, int32 + 0.5 → float32
    expect(add(i, 2).dtype).toBe('int32');
    expect(add(i, 0.5).dtype).toBe('float32');
    expect(add(i, 0.5).arraySync()).toEqual([7.5, -6.5]);
    expect(add(d, 1).dtype).toBe('float64');
    expect(atan2(i, i).dtype).toBe('float32');
    expect(less(i, f).dtype).toBe('bool');
    expect(equal(b, b).dtype).toBe('bool');
    expect(logicalAnd(i, f).dtype).toBe('bool');
  });

  it('floorDiv rounds toward −∞ and mod takes the sign of the divisor (floats)', () => {
    // Python: −7.5 // 2 = −4, 7.5 // −2 = −4, −1 % 3 = 2, 1 % −3 = −2, −7.5 % 2 = 0.5, 5.5 % 2 = 1.5
    expect(floorDiv(tensor([-7.5, 7.5]), tensor([2, -2])).arraySync()).toEqual([-4, -4]);
    expect(mod(tensor([-1, 1, -7.5, 5.5]), tensor([3, -3, 2, 2])).arraySync()).toEqual([
      2, -2, 0.5, 1.5,
    ]);
    expect(mod(tensor([-1]), 3).arraySync()).toEqual([2]);
  });

  it('maximum and minimum propagate NaN from either side', () => {
    const a = tensor([Number.NaN, 1, 2, 5]);
    const b = tensor([0, Number.NaN, 1, 5]);
    expectClose(maximum(a, b), [Number.NaN, Number.NaN, 2, 5]);
    expectClose(minimum(a, b), [Number.NaN, Number.NaN, 1, 5]);
    expectClose(maximum(a, 3), [Number.NaN, 3, 3, 5]);
  });

  it('pow of ints stays int32; pow of floats handles negative bases with integer exponents', () => {
    const y = pow(tensor([2, 3, -2], undefined, 'int32'), tensor([3, 2, 3], undefined, 'int32'));
    expect(y.dtype).toBe('int32');
    expect(y.arraySync()).toEqual([8, 9, -8]);
    // (−2)² = 4, (−2)³ = −8, 4^0.5 = 2, (−4)^0.5 = NaN
    expectClose(pow(tensor([-2, -2, 4, -4]), tensor([2, 3, 0.5, 0.5])), [4, -8, 2, Number.NaN]);
  });

  it('logical ops cast numbers to bool', () => {
    expect(
      logicalAnd(tensor([1, 0, 2, 0]), tensor([true, true, false, false])).arraySync(),
    ).toEqual([true, false, false, false]);
    expect(logicalOr(tensor([1, 0, 2, 0]), tensor([true, true, false, false])).arraySync()).toEqual(
      [true, true, true, false],
    );
    expect(logicalNot(tensor([0, 3, -1])).arraySync()).toEqual([true, false, false]);
    // Broadcasting: [[true], [false]] AND [true, false] = [[true, false], [false, false]]
    expect(logicalAnd(tensor([[true], [false]]), tensor([true, false])).arraySync()).toEqual([
      [true, false],
      [false, false],
    ]);
  });

  it('where broadcasts all three arguments', () => {
    // cond [2,1] × a [3] × b [2,1] → [2,3]: row 0 takes a, row 1 takes b's 20.
    const y = where(tensor([[true], [false]]), tensor([1, 2, 3]), tensor([[10], [20]]));
    expect(y.shape).toEqual([2, 3]);
    expect(y.arraySync()).toEqual([
      [1, 2, 3],
      [20, 20, 20],
    ]);
    // cond [3] × a [2,1] × b scalar → [2,3]
    expect(where(tensor([true, false, true]), tensor([[1], [2]]), 0).arraySync()).toEqual([
      [1, 0, 1],
      [2, 0, 2],
    ]);
    // cond [2,1,1] × a [1,2] × b [3,1,1] is an error: 2 vs 3 on axis 0
    expect(() => where(zeros([2, 1, 1]), zeros([1, 2]), zeros([3, 1, 1]))).toThrowError(ShapeError);
    // A scalar cond picks a whole operand; numbers as cond are cast (nonzero → true)
    expect(where(scalar(0), tensor([1, 2]), tensor([3, 4])).arraySync()).toEqual([3, 4]);
    expect(where(tensor([2, 0]), tensor([1, 2]), tensor([3, 4])).arraySync()).toEqual([1, 4]);
  });

  it('where promotes a and b to a common dtype', () => {
    const y = where(tensor([true, false]), tensor([1, 2], undefined, 'int32'), tensor([0.5, 0.25]));
    expect(y.dtype).toBe('float32');
    expect(y.arraySync()).toEqual([1, 0.25]);
  });

  it('clip clamps, passes NaN through, keeps dtype', () => {
    expectClose(clip(tensor([-2, 0.5, 3, Number.NaN, Number.NEGATIVE_INFINITY]), 0, 1), [
      0,
      0.5,
      1,
      Number.NaN,
      0,
    ]);
    const i = clip(tensor([-5, 2, 9], undefined, 'int32'), 0, 4);
    expect(i.dtype).toBe('int32');
    expect(i.arraySync()).toEqual([0, 2, 4]);
    // Infinite bounds leave the finite side open; lo == hi gives a constant.
    expect(clip(tensor([-5, 5]), Number.NEGATIVE_INFINITY, 0).arraySync()).toEqual([-5, 0]);
    expect(clip(tensor([-5, 5]), 1, 1).arraySync()).toEqual([1, 1]);
  });

  it('cast truncates toward zero, maps nonzero to true, and widens', () => {
    expect(cast(tensor([1.7, -1.7, 2.5, -0.5, 0]), 'int32').arraySync()).toEqual([1, -1, 2, 0, 0]);
    expect(cast(tensor([1.7, -2, 0]), 'bool').arraySync()).toEqual([true, true, false]);
    expect(cast(tensor([true, false]), 'float32').arraySync()).toEqual([1, 0]);
    expect(cast(tensor([3, -4], undefined, 'int32'), 'float64').dtype).toBe('float64');
    // float64 → float32 rounds: 0.1 becomes the nearest float32
    expect(cast(tensor([0.1], undefined, 'float64'), 'float32').dataSync()[0]).toBe(
      Math.fround(0.1),
    );
    const x = tensor([1, 2]);
    expect(cast(x, 'float32')).toBe(x);
  });
});

describe('elementwise errors', () => {
  it('incompatible broadcast names the op and both shapes', () => {
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrowError(ShapeError);
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(/add.*\[2, 3\].*\[4\]/);
    expect(() => mul(zeros([2, 3, 4]), zeros([3, 1, 5]))).toThrow(/mul.*\[2, 3, 4\].*\[3, 1, 5\]/);
    expect(() => maximum(zeros([2]), zeros([3]))).toThrow(/maximum.*\[2\].*\[3\]/);
    expect(() => where(tensor([true, false]), zeros([3]), 1)).toThrow(/where.*\[2\].*\[3\]/);
  });

  it('unknown dtype to cast is a DTypeError', () => {
    expect(() => cast(zeros([2]), 'float16' as DType)).toThrowError(DTypeError);
    expect(() => cast(zeros([2]), 'float16' as DType)).toThrow(/cast.*float16/);
  });

  it('clip with lo > hi or a NaN bound is a ValueError; clipping bools is a DTypeError', () => {
    expect(() => clip(zeros([2]), 2, 1)).toThrowError(ValueError);
    expect(() => clip(zeros([2]), 2, 1)).toThrow(/clip.*lo=2.*hi=1/);
    expect(() => clip(zeros([2]), Number.NaN, 1)).toThrowError(ValueError);
    expect(() => clip(tensor([true]), 0, 1)).toThrowError(DTypeError);
  });

  it('null operands are a DTypeError naming the op', () => {
    expect(() => add(zeros([2]), null as unknown as number)).toThrow(/add/);
    expect(() => add(zeros([2]), null as unknown as number)).toThrowError(DTypeError);
    expect(() => exp(undefined as unknown as number)).toThrow(/exp/);
  });
});

describe('elementwise gradients (float64 central differences)', () => {
  const unary: [string, (x: Tensor) => Tensor, number, number][] = [
    ['neg', neg, -2, 2],
    ['square', square, -2, 2],
    ['sqrt', sqrt, 0.2, 3],
    ['rsqrt', rsqrt, 0.2, 3],
    ['exp', exp, -2, 2],
    ['expm1', expm1, -2, 2],
    ['log', log, 0.2, 3],
    ['log1p', log1p, -0.8, 3],
    ['sin', sin, -3, 3],
    ['cos', cos, -3, 3],
    ['erf', erf, -2.5, 2.5],
    ['tanh', tanh, -2, 2],
  ];
  for (const [name, f, lo, hi] of unary) {
    it(`${name}`, () => {
      gradCheck(f, [randomValues([2, 3], 3, lo, hi)]);
    });
  }

  it('abs (away from 0)', () => {
    gradCheck(abs, [awayFromZero([2, 3], 4, 0.1, 2)]);
  });

  it('reciprocal (away from 0)', () => {
    gradCheck(reciprocal, [awayFromZero([2, 3], 5, 0.3, 2)]);
  });

  it('erf across its region boundaries (0.5 and 4)', () => {
    gradCheck(erf, [{ values: [-4.2, -3.9, -0.51, -0.49, 0.3, 0.49, 0.51, 3.9, 4.2], shape: [9] }]);
  });

  const binary: [
    string,
    (a: Tensor, b: Tensor) => Tensor,
    (s: readonly number[], k: number) => Values,
    (s: readonly number[], k: number) => Values,
  ][] = [
    ['add', add, (s, k) => randomValues(s, k), (s, k) => randomValues(s, k)],
    ['sub', sub, (s, k) => randomValues(s, k), (s, k) => randomValues(s, k)],
    ['mul', mul, (s, k) => randomValues(s, k), (s, k) => randomValues(s, k)],
    ['div', div, (s, k) => randomValues(s, k), (s, k) => awayFromZero(s, k)],
    // Positive base, so that both ∂/∂a = b·aᵇ⁻¹ and ∂/∂b = aᵇ·ln a are smooth.
    ['pow', pow, (s, k) => randomValues(s, k, 0.5, 2), (s, k) => randomValues(s, k, -1.5, 1.5)],
    // Grids offset by 0.05: no ties within reach of the finite-difference step.
    ['maximum', maximum, (s, k) => grid(s, k, 0.05), (s, k) => grid(s, k, 0)],
    ['minimum', minimum, (s, k) => grid(s, k, 0.05), (s, k) => grid(s, k, 0)],
    [
      'squaredDifference',
      squaredDifference,
      (s, k) => randomValues(s, k),
      (s, k) => randomValues(s, k),
    ],
    ['atan2', atan2, (s, k) => awayFromZero(s, k, 0.3, 1), (s, k) => awayFromZero(s, k, 0.3, 1)],
    // a/b never within 0.1 of an integer: away from mod's jumps.
    ['mod', mod, (s, k) => modDividend(s, k), (s) => modDivisor(s)],
  ];
  for (const [name, f, genA, genB] of binary) {
    it(`${name}, same shapes and broadcast [2,3]/[3], [2,1]/[1,3], []/[2,2], [2,2,3]/[3], [3]/[2,3]`, () => {
      gradCheck(f, [genA([2, 3], 7), genB([2, 3], 8)]);
      BROADCAST_PAIRS.forEach(([sa, sb], i) => {
        const gs = gradCheck(f, [genA(sa, 30 + i), genB(sb, 40 + i)]);
        expect(gs[0]!.shape).toEqual(sa);
        expect(gs[1]!.shape).toEqual(sb);
      });
    });
  }

  it('mul gradient by hand: ∂(a·b)/∂a = b summed over broadcast axes', () => {
    // a [2,1] = [[1],[2]], b [1,3] = [[3,4,5]]: ∂Σab/∂a = Σb = 12 per row, ∂/∂b = Σa = 3 per column.
    const [ga, gb] = grads((a, b) => mul(a, b).sum())([tensor([[1], [2]]), tensor([[3, 4, 5]])]);
    expect(ga!.arraySync()).toEqual([[12], [12]]);
    expect(gb!.arraySync()).toEqual([[3, 3, 3]]);
  });

  it('pow gradient with respect to the exponent is 0 where the base is ≤ 0 (TensorFlow)', () => {
    // a = [−2, 0], b = [2, 3]: ∂/∂a = b·aᵇ⁻¹ = [2·(−2), 3·0²] = [−4, 0]; ∂/∂b taken as 0.
    const [ga, gb] = grads((a, b) => pow(a, b).sum())([tensor([-2, 0]), tensor([2, 3])]);
    expectClose(ga!, [-4, 0]);
    expectClose(gb!, [0, 0]);
  });

  it('maximum and minimum send a tie’s gradient to a', () => {
    const [ga, gb] = grads((a, b) => maximum(a, b).sum())([tensor([1, 2]), tensor([1, 3])]);
    expectClose(ga!, [1, 0]);
    expectClose(gb!, [0, 1]);
    const [ha, hb] = grads((a, b) => minimum(a, b).sum())([tensor([1, 2]), tensor([1, 3])]);
    expectClose(ha!, [1, 1]);
    expectClose(hb!, [0, 0]);
  });

  it('where, for a and b, with cond, a and b broadcast', () => {
    const cond = tensor([
      [true, false, true],
      [false, false, true],
    ]);
    gradCheck((a, b) => where(cond, a, b), [randomValues([2, 3], 1), randomValues([2, 3], 2)]);
    const [ga, gb] = gradCheck(
      (a, b) => where(cond, a, b),
      [randomValues([3], 3), randomValues([2, 1], 4)],
    );
    // a [3] gets dy where cond holds, summed over rows; b [2,1] gets the rest summed over columns:
    // with dy = 1, column counts of true are [1, 0, 2] and row counts of false are [1, 2].
    const [ha, hb] = grads((a, b) => where(cond, a, b).sum())([
      tensor([0, 0, 0]),
      tensor([[0], [0]]),
    ]);
    expect(ha!.arraySync()).toEqual([1, 0, 2]);
    expect(hb!.arraySync()).toEqual([[1], [2]]);
    expect(ga!.shape).toEqual([3]);
    expect(gb!.shape).toEqual([2, 1]);
    // a scalar operand
    gradCheck((a, b) => where(cond, a, b), [randomValues([], 5), randomValues([2, 3], 6)]);
  });

  it('clip (inputs inside and outside, away from the bounds)', () => {
    const gs = gradCheck(
      (x) => clip(x, -0.5, 0.5),
      [{ values: [-0.9, -0.3, 0.1, 0.45, 0.7, -0.6], shape: [2, 3] }],
    );
    // d clip/dx is 1 inside [−0.5, 0.5] and 0 outside: the gradient is dy masked.
    expect(Array.from(gs[0]!.dataSync(), (g) => g === 0)).toEqual([
      true,
      false,
      false,
      false,
      true,
      true,
    ]);
  });

  it('cast float64 → float64 passes the gradient through', () => {
    gradCheck((x) => mul(cast(x, 'float64'), x), [randomValues([2, 3], 9)]);
  });

  it('cast float64 → float32 → float64 keeps the gradient (no gradCheck: float32 rounding)', () => {
    const [g] = grads((x) => mul(cast(x, 'float32'), 2).sum())([
      tensor([0.1, 0.2, 0.3], undefined, 'float64'),
    ]);
    expect(g!.dtype).toBe('float64');
    expectClose(g!, [2, 2, 2]);
  });

  it('cast to int32 or bool stops the gradient', () => {
    const [g] = grads((x) => add(mul(cast(cast(x, 'int32'), 'float32'), 3), x).sum())([
      tensor([1.5, 2.5]),
    ]);
    // Only the direct x term contributes: ∂/∂x = 1.
    expectClose(g!, [1, 1]);
  });
});

/** erf by its everywhere-convergent series with positive terms (Abramowitz & Stegun 7.1.6). */
function erfSeries(x: number): number {
  if (x === 0) return 0;
  let term = x;
  let sum = x;
  for (let n = 1; n < 400; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}
