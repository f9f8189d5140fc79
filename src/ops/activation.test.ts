import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import {
  type Tensor,
  ValueError,
  elu,
  gelu,
  grad,
  leakyRelu,
  logSoftmax,
  relu,
  relu6,
  scalar,
  selu,
  sigmoid,
  silu,
  softmax,
  softplus,
  softsign,
  tanh,
  tensor,
  transpose,
  zeros,
} from '../index.js';
import { reluGrad } from './activation.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 20 values spanning [−8, 8], both signs, near 0 and in the saturated tails. */
const XS = [
  -8, -6.5, -5, -3.7, -2.5, -1.9, -1.2, -0.7, -0.3, -0.05, 0, 0.05, 0.3, 0.7, 1.2, 1.9, 2.5, 3.7, 5,
  8,
];

/** The TensorFlow.js result of `f` on `values` (float32, cpu backend). */
function tfRef(
  f: (x: tf.Tensor) => tf.Tensor,
  values: number[],
  shape: number[] = [values.length],
): number[] {
  return tf.tidy(() => Array.from(f(tf.tensor(values, shape, 'float32')).dataSync()));
}

/** erf by its series with positive terms (Abramowitz & Stegun 7.1.6), accurate to rounding. */
function erfRef(x: number): number {
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

const sigmoidRef = (x: number) => 1 / (1 + Math.exp(-x));
const TOL = { rtol: 1e-5, atol: 1e-6 };

describeBackends('activations vs TensorFlow.js', () => {
  const cases: [string, (x: Tensor) => Tensor, (x: tf.Tensor) => tf.Tensor][] = [
    ['relu', relu, tf.relu],
    ['relu6', relu6, tf.relu6],
    ['elu', (x) => elu(x), tf.elu],
    ['selu', selu, tf.selu],
    ['sigmoid', sigmoid, tf.sigmoid],
    ['tanh', tanh, tf.tanh],
    ['softplus', softplus, tf.softplus],
    ['leakyRelu(0.2)', (x) => leakyRelu(x, 0.2), (x) => tf.leakyRelu(x, 0.2)],
    // Keras 3's default negative slope is 0.2, like tf.leakyRelu's.
    ['leakyRelu default', (x) => leakyRelu(x), (x) => tf.leakyRelu(x)],
    // tfjs has no softsign op: x / (1 + |x|) from its primitives.
    ['softsign', softsign, (x) => tf.div(x, tf.add(1, tf.abs(x)))],
    ['silu', silu, (x) => tf.mul(x, tf.sigmoid(x))],
  ];
  for (const [name, f, ref] of cases) {
    it(`${name}`, () => {
      const y = f(tensor(XS));
      expect(y.dtype).toBe('float32');
      expect(y.shape).toEqual([20]);
      expectClose(y, tfRef(ref, XS), TOL);
    });
  }

  it('elu with α = 0.5 is α(eˣ − 1) below 0', () => {
    expectClose(
      elu(tensor(XS), 0.5),
      XS.map((x) => (x > 0 ? x : 0.5 * Math.expm1(x))),
      TOL,
    );
  });

  it('gelu (exact) is 0.5·x·(1 + erf(x/√2))', () => {
    const want = XS.map((x) => 0.5 * x * (1 + erfRef(x / Math.SQRT2)));
    expectClose(gelu(tensor(XS)), want, TOL);
    // Φ(1) = 0.8413447460685429, so gelu(1) = 0.8413447460685429 and gelu(−1) = −(1 − Φ(1)).
    expectClose(
      gelu(tensor([1, -1], undefined, 'float64')),
      [0.8413447460685429, -0.15865525393145707],
      {
        rtol: 1e-14,
        atol: 1e-15,
      },
    );
    // In the left tail 1 + erf(x/√2) cancels (gelu(−8) ≈ −5e−15) in both the formula and the
    // op, hence the absolute tolerance.
    expectClose(gelu(tensor(XS, undefined, 'float64')), want, { rtol: 1e-13, atol: 1e-14 });
  });

  it('gelu (approximate) is 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))', () => {
    const c = Math.sqrt(2 / Math.PI);
    const want = XS.map((x) => 0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x ** 3))));
    expectClose(gelu(tensor(XS), true), want, TOL);
    // The two forms differ, by less than 1e-3 on this range.
    const diff = gelu(tensor(XS), true)
      .sub(gelu(tensor(XS)))
      .abs()
      .max()
      .item();
    expect(diff).toBeGreaterThan(1e-5);
    expect(diff).toBeLessThan(1e-3);
  });

  it('float64 inputs stay float64 and are accurate in the tails', () => {
    const x = tensor([-100, -30, 30, 100], undefined, 'float64');
    expect(sigmoid(x).dtype).toBe('float64');
    // σ(−100) = e⁻¹⁰⁰/(1 + e⁻¹⁰⁰) ≈ 3.72e−44: computed without underflowing to 0.
    expectClose(sigmoid(x), [-100, -30, 30, 100].map(sigmoidRef), { rtol: 1e-14, atol: 0 });
    // softplus(x) = x + log1p(e⁻ˣ) for large x, log1p(eˣ) ≈ eˣ for very negative x.
    expectClose(
      softplus(x),
      [Math.exp(-100), Math.log1p(Math.exp(-30)), 30 + Math.log1p(Math.exp(-30)), 100],
      {
        rtol: 1e-14,
        atol: 0,
      },
    );
    expectClose(softplus(tensor([1000, -1000])), [1000, 0]);
    expectClose(sigmoid(tensor([1000, -1000])), [1, 0]);
  });

  it("relu's one-pass backward (reluGrad): dy where x > 0, else 0, NaN in x gives 0", () => {
    const x = tensor([-2, -0, 0, 1e-30, 3, Number.NaN, Number.POSITIVE_INFINITY]);
    const dy = tensor([1, 2, 3, 4, 5, 6, Number.NaN]);
    expectClose(reluGrad(x, dy), [0, 0, 0, 4, 5, 0, Number.NaN]);
    // Through autograd: d relu(x)/dx by hand.
    const g = grad((t: Tensor) =>
      relu(t)
        .mul(tensor([10, 20, 30]))
        .sum(),
    )(tensor([-1, 2, 0]));
    expect(g.arraySync()).toEqual([0, 20, 0]);
    // Its own gradient (to dy: the mask; none to x), float64 finite differences.
    const xs = randomValues([3, 4], 5, -2, 2);
    gradCheck(
      (d: Tensor) => reluGrad(tensor(Array.from(xs.values), [3, 4], 'float64'), d),
      [randomValues([3, 4], 6)],
    );
  });

  it('relu and relu6 pass NaN through and keep int32', () => {
    expectClose(relu(tensor([Number.NaN, -1, 2])), [Number.NaN, 0, 2]);
    expectClose(relu6(tensor([Number.NaN, -1, 7])), [Number.NaN, 0, 6]);
    expectClose(sigmoid(tensor([Number.NaN])), [Number.NaN]);
    const r = relu(tensor([-3, 0, 4], undefined, 'int32'));
    expect(r.dtype).toBe('int32');
    expect(r.arraySync()).toEqual([0, 0, 4]);
    // Smooth activations of int inputs compute in float32.
    expect(sigmoid(tensor([0], undefined, 'int32')).dtype).toBe('float32');
    expect(softmax(tensor([1, 2], undefined, 'int32')).dtype).toBe('float32');
  });

  it('softmax and logSoftmax along the last axis match TensorFlow.js', () => {
    const v = randomValues([4, 5], 11, -4, 4);
    const vals = Array.from(v.values);
    expectClose(
      softmax(tensor(vals, [4, 5])),
      tfRef((x) => tf.softmax(x), vals, [4, 5]),
      TOL,
    );
    expectClose(
      logSoftmax(tensor(vals, [4, 5])),
      tfRef((x) => tf.logSoftmax(x), vals, [4, 5]),
      TOL,
    );
    expectClose(
      softmax(tensor(XS)),
      tfRef((x) => tf.softmax(x), XS),
      TOL,
    );
    expectClose(
      logSoftmax(tensor(XS)),
      tfRef((x) => tf.logSoftmax(x), XS),
      TOL,
    );
  });

  it('softmax and logSoftmax along other axes match TensorFlow.js on the transposed input', () => {
    // tfjs takes the last axis only: softmax(x, 1) of [2,3,4] is softmax of x moved to [2,4,3].
    const v = randomValues([2, 3, 4], 12, -3, 3);
    const vals = Array.from(v.values);
    const x = tensor(vals, [2, 3, 4]);
    const cases: [number, number[]][] = [
      [0, [1, 2, 0]],
      [1, [0, 2, 1]],
      [-2, [0, 2, 1]],
    ];
    for (const [axis, perm] of cases) {
      const inv = perm.map((_, i) => perm.indexOf(i));
      const sm = tfRef(
        (t) => tf.transpose(tf.softmax(tf.transpose(t, perm)), inv),
        vals,
        [2, 3, 4],
      );
      const lsm = tfRef(
        (t) => tf.transpose(tf.logSoftmax(tf.transpose(t, perm)), inv),
        vals,
        [2, 3, 4],
      );
      expectClose(softmax(x, axis), sm, TOL);
      expectClose(logSoftmax(x, axis), lsm, TOL);
    }
    // Same check through Tessera's own transpose.
    expectClose(softmax(x, 1), transpose(softmax(transpose(x, [0, 2, 1])), [0, 2, 1]), TOL);
  });

  it('softmax rows sum to 1 and stay finite for large and equal inputs', () => {
    const y = softmax(
      tensor([
        [1000, 1001],
        [-1000, -1000],
        [0, 0],
      ]),
    );
    // e^(x − max): [1000, 1001] → [1/(1+e), e/(1+e)]; equal entries → 1/2 each.
    const e = Math.E;
    expectClose(y, [
      [1 / (1 + e), e / (1 + e)],
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    expectClose(y.sum(-1), [1, 1, 1]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    // −∞ entries get probability 0.
    expectClose(softmax(tensor([Number.NEGATIVE_INFINITY, 0, 0])), [0, 0.5, 0.5]);
    const big = softmax(tensor(XS.map((x) => x * 100)));
    expectClose(big.sum(), 1);
  });

  it('logSoftmax is stable where log(softmax) would underflow', () => {
    // [1000, 1001]: log(1/(1+e)) = −log(1+e) = −1.3132616875182228, log(e/(1+e)) = −log(1+1/e).
    const y = logSoftmax(
      tensor([
        [1000, 1001],
        [-1000, -1000],
      ]),
    );
    expectClose(y, [
      [-Math.log1p(Math.E), -Math.log1p(1 / Math.E)],
      [-Math.LN2, -Math.LN2],
    ]);
    // x = [0, −200]: log softmax = [−log(1 + e⁻²⁰⁰), −200 − log(1 + e⁻²⁰⁰)] ≈ [0, −200], finite;
    // softmax's second entry underflows to 0 in float32, whose log is −∞.
    expectClose(logSoftmax(tensor([0, -200])), [0, -200]);
    expectClose(logSoftmax(tensor(XS)).exp().sum(), 1);
  });
});

describe('activation errors', () => {
  it('softmax / logSoftmax of a scalar or a bad axis is a ValueError naming the op', () => {
    expect(() => softmax(scalar(1))).toThrowError(ValueError);
    expect(() => softmax(scalar(1))).toThrow(/softmax/);
    expect(() => logSoftmax(scalar(1))).toThrow(/logSoftmax/);
    expect(() => softmax(zeros([2, 3]), 2)).toThrow(/softmax.*axis 2.*rank 2/);
    expect(() => logSoftmax(zeros([2, 3]), -3)).toThrowError(ValueError);
    expect(() => softmax(zeros([2, 3]), 0.5)).toThrowError(ValueError);
  });

  it('non-finite alpha is a ValueError', () => {
    expect(() => leakyRelu(zeros([2]), Number.NaN)).toThrow(/leakyRelu.*alpha/);
    expect(() => elu(zeros([2]), Number.POSITIVE_INFINITY)).toThrowError(ValueError);
  });
});

describe('activation gradients (float64 central differences)', () => {
  // Inputs are kept 0.05 or more from the kinks of relu (0), relu6 (0, 6), leakyRelu, elu and
  // selu (0), so that central differences with step 1e-6 never straddle one.
  const kinked = {
    values: [-2.3, -1.1, -0.4, -0.05, 0.05, 0.4, 1.1, 2.3, 5.5, 6.2, 7, -6.5],
    shape: [3, 4],
  };
  const smooth = (seed: number) => randomValues([3, 4], seed, -3, 3);

  const cases: [
    string,
    (x: Tensor) => Tensor,
    { values: ArrayLike<number>; shape: readonly number[] },
  ][] = [
    ['tanh', tanh, smooth(1)],
    ['relu', relu, kinked],
    ['relu6', relu6, kinked],
    ['leakyRelu default', (x) => leakyRelu(x), kinked],
    ['leakyRelu 0.1', (x) => leakyRelu(x, 0.1), kinked],
    ['elu', (x) => elu(x), kinked],
    ['elu α = 0.5', (x) => elu(x, 0.5), kinked],
    ['selu', selu, kinked],
    ['sigmoid', sigmoid, smooth(2)],
    ['softplus', softplus, smooth(3)],
    ['softsign', softsign, kinked],
    ['gelu exact', (x) => gelu(x), smooth(4)],
    ['gelu approximate', (x) => gelu(x, true), smooth(5)],
    ['silu', silu, smooth(6)],
  ];
  for (const [name, f, x] of cases) {
    it(`${name}`, () => {
      gradCheck(f, [x]);
    });
  }

  it('softmax along each axis of a rank-3 tensor', () => {
    const x = randomValues([2, 2, 3], 7, -2, 2);
    for (const axis of [-1, 0, 1, 2]) gradCheck((t) => softmax(t, axis), [x]);
  });

  it('logSoftmax along each axis of a rank-3 tensor, and rank 1', () => {
    const x = randomValues([2, 2, 3], 8, -2, 2);
    for (const axis of [-1, 0, 1, -3]) gradCheck((t) => logSoftmax(t, axis), [x]);
    gradCheck((t) => logSoftmax(t), [randomValues([5], 9, -2, 2)]);
  });

  it('softmax gradient by hand: Σ softmax is constant, so its gradient is 0', () => {
    const g = grad((x) => softmax(x).sum())(tensor([[0.3, -1, 2]]));
    expectClose(g, [[0, 0, 0]], { atol: 1e-7 });
  });

  it('relu gradient by hand: 1 above 0, 0 below', () => {
    expectClose(grad((x) => relu(x).sum())(tensor([-1, 2, -0.5, 3])), [0, 1, 0, 1]);
  });
});
