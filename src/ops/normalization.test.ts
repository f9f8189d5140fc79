import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { tensor } from './creation.js';
import { batchNormalization, layerNormalization, moments } from './normalization.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Seeded values in [lo, hi) as a plain array. */
function vals(n: number, seed: number, lo = -2, hi = 2): number[] {
  return Array.from(randomValues([n], seed, lo, hi).values);
}

describeBackends('normalization ops', () => {
  it('moments: mean and biased variance, as tf.moments', () => {
    const shape = [3, 4, 5];
    const v = vals(60, 1);
    for (const axes of [[0], [0, 1], [2], [0, 2], [0, 1, 2]]) {
      for (const keep of [false, true]) {
        const [m, va] = moments(tensor(v, shape), axes, keep);
        const r = tf.moments(tf.tensor(v, shape), axes, keep);
        expectClose(m, r.mean.arraySync() as number[], { rtol: 1e-5, atol: 1e-6 });
        expectClose(va, r.variance.arraySync() as number[], { rtol: 1e-5, atol: 1e-6 });
        expect(m.shape).toEqual(r.mean.shape);
        expect(va.shape).toEqual(r.variance.shape);
      }
    }
    const [m, va] = moments(tensor([1, 2, 3, 4], [4], 'int32'), 0);
    expect(m.dtype).toBe('float32');
    expectClose(m, 2.5);
    expectClose(va, 1.25);
  });

  it('batchNormalization matches tf.batchNorm along the last axis and along axis 1', () => {
    const x = vals(2 * 3 * 4, 2);
    const mean = vals(3, 3);
    const variance = vals(3, 4, 0.5, 2);
    const offset = vals(3, 5);
    const scale = vals(3, 6, 0.5, 1.5);
    const y = batchNormalization(tensor(x, [2, 3, 4]), mean, variance, 1, {
      offset,
      scale,
      epsilon: 1e-3,
    });
    // axis 1 of [2, 3, 4]: tf.batchNorm's cpu kernel only handles the last axis, so the
    // reference is written with tfjs's elementwise ops.
    const b = (a: number[]) => tf.tensor(a, [1, 3, 1]);
    const ref = tf
      .tensor(x, [2, 3, 4])
      .sub(b(mean))
      .mul(tf.rsqrt(b(variance).add(1e-3)))
      .mul(b(scale))
      .add(b(offset));
    expectClose(y, ref.arraySync() as number[][][], { rtol: 1e-5, atol: 1e-6 });
    const xl = vals(4 * 3, 7);
    const yl = batchNormalization(tensor(xl, [4, 3]), mean, variance, -1, { offset, scale });
    const refl = tf.batchNorm(tf.tensor(xl, [4, 3]), mean, variance, offset, scale, 1e-3);
    expectClose(yl, refl.arraySync() as number[][], { rtol: 1e-5, atol: 1e-6 });
  });

  it('layerNormalization normalizes each sample over the given axes', () => {
    const x = vals(2 * 3 * 4, 8);
    const y = layerNormalization(tensor(x, [2, 3, 4]), { axis: [1, 2], epsilon: 1e-5 });
    const r = tf.moments(tf.tensor(x, [2, 3, 4]), [1, 2], true);
    const ref = tf.tensor(x, [2, 3, 4]).sub(r.mean).div(r.variance.add(1e-5).sqrt());
    expectClose(y, ref.arraySync() as number[][][], { rtol: 1e-4, atol: 1e-5 });
    // rmsScaling as Keras 3: x / √(var + eps) · γ, x not centred.
    const x2 = [1, 2, 3, 6];
    const rms = layerNormalization(tensor([x2]), { rmsScaling: true, gamma: [1, 2, 1, 1] });
    const v = 3.5; // var of [1, 2, 3, 6]
    expectClose(rms, [x2.map((a, i) => (a / Math.sqrt(v + 1e-7)) * (i === 1 ? 2 : 1))], {
      rtol: 1e-5,
    });
  });

  it('refuses bad arguments, naming the op', () => {
    expect(() => batchNormalization(tensor([[1, 2]]), [0, 0, 0], [1, 1])).toThrow(ShapeError);
    expect(() => batchNormalization(tensor([[1, 2]]), [0, 0, 0], [1, 1])).toThrow(
      /batchNormalization: mean must have shape \[2\]/,
    );
    expect(() => batchNormalization(tensor([[1, 2]]), [0, 0], [1, 1], 2)).toThrow(ValueError);
    expect(() => moments(tensor([true, false]), 0)).toThrow(DTypeError);
    expect(() => layerNormalization(tensor([[1, 2]]), { gamma: [1, 2, 3] })).toThrow(
      /layerNormalization: gamma must have shape \[2\]/,
    );
    expect(() => layerNormalization(tensor([[1, 2]]), { axis: [1, -1] })).toThrow(/repeated/);
  });
});

describe('normalization op gradients (float64)', () => {
  it('moments', () => {
    const x = randomValues([3, 4], 11);
    gradCheck((t) => moments(t, 0)[0]!, [x]);
    gradCheck((t) => moments(t, [0, 1], true)[1]!, [x]);
  });

  it('batchNormalization w.r.t. x, mean, variance, offset and scale', () => {
    gradCheck(
      (x, m, v, o, s) => batchNormalization(x, m, v, 1, { offset: o, scale: s }),
      [
        randomValues([2, 3, 2], 12),
        randomValues([3], 13),
        randomValues([3], 14, 0.5, 2),
        randomValues([3], 15),
        randomValues([3], 16),
      ],
    );
  });

  it('batch statistics: the true gradient through mean and variance', () => {
    gradCheck(
      (x, s, o) => {
        const [m, v] = moments(x, 0);
        return batchNormalization(x, m, v, -1, { scale: s, offset: o });
      },
      [randomValues([5, 3], 17), randomValues([3], 18), randomValues([3], 19)],
    );
  });

  it('layerNormalization over one axis, two axes and with rmsScaling', () => {
    gradCheck(
      (x, g, b) => layerNormalization(x, { gamma: g, beta: b, epsilon: 1e-3 }),
      [randomValues([2, 4], 20), randomValues([4], 21), randomValues([4], 22)],
    );
    gradCheck(
      (x, g) => layerNormalization(x, { gamma: g, axis: [2, 1] }),
      [randomValues([2, 3, 2], 23), randomValues([2, 3], 24)],
    );
    gradCheck(
      (x, g) => layerNormalization(x, { gamma: g, rmsScaling: true }),
      [randomValues([2, 4], 25), randomValues([4], 26)],
    );
  });
});
