import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { rng } from '../../test/helpers/rng.js';
import { variable } from '../autograd/variable.js';
import { ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from './creation.js';
import { transpose } from './movement.js';
import {
  avgPool1d,
  avgPool2d,
  cropping,
  globalAvgPool,
  globalMaxPool,
  maxPool1d,
  maxPool2d,
  resizeBilinear,
  upSampling1d,
  upSampling2d,
  zeroPadding,
} from './pooling.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomTensor(shape: number[], seed: number): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Float32Array.from({ length: n }, () => 2 * r() - 1),
    shape,
  );
}

function toTf<R extends tf.Rank>(t: Tensor): tf.Tensor<R> {
  return tf.tensor(Array.from(t.dataSync()), [...t.shape] as number[]) as unknown as tf.Tensor<R>;
}

const TOL = { rtol: 1e-4, atol: 1e-5 };

describeBackends('pooling: values', () => {
  it('hand-computed max and average pools', () => {
    // 4×4 image 0..15, 2×2 windows: maxima 5, 7, 13, 15; means 2.5, 4.5, 10.5, 12.5.
    const x = tensor(
      Array.from({ length: 16 }, (_, i) => i),
      [1, 4, 4, 1],
    );
    expectClose(maxPool2d(x, 2), [5, 7, 13, 15]);
    expectClose(avgPool2d(x, 2), [2.5, 4.5, 10.5, 12.5]);
    // 'same' 3×3, stride 2: out 2×2, pads [0, 1] per axis (TF split); the last row/column of
    // windows is cut, and the average divides by the valid count only.
    expectClose(maxPool2d(x, 3, { strides: 2, padding: 'same' }), [10, 11, 14, 15]);
    // window (0,0): rows 0–2, cols 0–2 → mean 5; (0,1): rows 0–2, cols 2–3 → mean 6.5;
    // (1,0): rows 2–3, cols 0–2 → mean 11; (1,1): rows 2–3, cols 2–3 → mean 12.5.
    expectClose(avgPool2d(x, 3, { strides: 2, padding: 'same' }), [5, 6.5, 11, 12.5]);
  });

  it('1-D pools', () => {
    const x = tensor([[[1], [3], [2], [0], [5]]]);
    expectClose(maxPool1d(x, 2), [3, 2]);
    expectClose(avgPool1d(x, 2), [2, 1]);
    expectClose(maxPool1d(x, 2, { padding: 'same' }), [3, 2, 5]);
    expectClose(avgPool1d(x, 3, { strides: 1 }), [2, 5 / 3, 7 / 3]);
  });

  it('max pool backward routes to the first max of each window (ties) and adds overlaps', () => {
    const x = variable(tensor([2, 2, 1, 2], [1, 2, 2, 1]));
    maxPool2d(x, 2).backward(tensor([[[[1]]]]));
    expectClose(x.grad!, [1, 0, 0, 0]);
    // Overlapping windows (3 wide, stride 1) all pick the same max: gradients add up.
    const y = variable(tensor([[[0], [9], [1], [2]]]));
    maxPool1d(y, 3, { strides: 1 }).backward(tensor([[[1], [10]]]));
    expectClose(y.grad!, [0, 11, 0, 0]);
  });

  it('channelsFirst equals channelsLast between transposes', () => {
    const x = randomTensor([2, 3, 5, 6], 1); // NCHW
    const nhwc = transpose(x, [0, 2, 3, 1]);
    const back = (t: Tensor) => transpose(t, [0, 3, 1, 2]);
    const o = { strides: 2, padding: 'same' as const };
    expectClose(
      maxPool2d(x, 3, { ...o, dataFormat: 'channelsFirst' }),
      back(maxPool2d(nhwc, 3, o)),
    );
    expectClose(
      avgPool2d(x, 3, { ...o, dataFormat: 'channelsFirst' }),
      back(avgPool2d(nhwc, 3, o)),
    );
    const x1 = randomTensor([2, 3, 7], 2);
    const l1 = transpose(x1, [0, 2, 1]);
    expectClose(
      maxPool1d(x1, 2, { dataFormat: 'channelsFirst' }),
      transpose(maxPool1d(l1, 2), [0, 2, 1]),
    );
  });

  it('global pools reduce the spatial axes', () => {
    const x = randomTensor([2, 3, 4, 5], 3);
    expectClose(globalMaxPool(x), x.max([1, 2]));
    expectClose(globalAvgPool(x), x.mean([1, 2]));
    expect(globalAvgPool(x, { keepdims: true }).shape).toEqual([2, 1, 1, 5]);
    expect(globalMaxPool(x, { dataFormat: 'channelsFirst' }).shape).toEqual([2, 3]);
    expect(globalAvgPool(randomTensor([2, 6, 3], 4)).shape).toEqual([2, 3]);
  });

  it('nearest upsampling repeats rows and columns', () => {
    const x = tensor([
      [
        [[1], [2]],
        [[3], [4]],
      ],
    ]);
    expectClose(
      upSampling2d(x, [2, 3]),
      [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4],
    );
    expect(upSampling2d(x, 2, { dataFormat: 'channelsFirst' }).shape).toEqual([1, 2, 4, 2]);
    expectClose(
      upSampling1d(
        tensor([
          [
            [1, 2],
            [3, 4],
          ],
        ]),
        2,
      ),
      [1, 2, 1, 2, 3, 4, 3, 4],
    );
  });

  it('bilinear upsampling uses half-pixel centers', () => {
    // 1-D row [0, 1] upsampled ×2: sources −0.25, 0.25, 0.75, 1.25 → 0, 0.25, 0.75, 1.
    const x = tensor([[[[0], [1]]]]);
    expectClose(upSampling2d(x, [1, 2], { interpolation: 'bilinear' }), [0, 0.25, 0.75, 1]);
  });

  it('zero padding and cropping', () => {
    const x = tensor([[[1], [2], [3]]]);
    expectClose(zeroPadding(x, [[1, 2]]), [0, 1, 2, 3, 0, 0]);
    expectClose(cropping(x, [[1, 1]]), [2]);
    const img = randomTensor([1, 4, 5, 2], 5);
    const padded = zeroPadding(img, [
      [1, 0],
      [2, 1],
    ]);
    expect(padded.shape).toEqual([1, 5, 8, 2]);
    expectClose(
      cropping(padded, [
        [1, 0],
        [2, 1],
      ]),
      img,
    );
    const cf = zeroPadding(
      randomTensor([1, 2, 3, 3], 6),
      [
        [1, 1],
        [0, 2],
      ],
      'channelsFirst',
    );
    expect(cf.shape).toEqual([1, 2, 5, 5]);
  });
});

describeBackends('pooling vs TensorFlow.js', () => {
  for (const [pool, s, pad] of [
    [2, 2, 'valid'],
    [3, 2, 'valid'],
    [3, 1, 'same'],
    [3, 2, 'same'],
    [2, 3, 'same'],
  ] as const) {
    it(`maxPool / avgPool, pool ${pool}, strides ${s}, ${pad}: values and gradients`, () => {
      const x = randomTensor([2, 7, 6, 3], 10 + pool + s);
      const tx = toTf<tf.Rank.R4>(x);
      for (const [ours, theirs] of [
        [maxPool2d, tf.maxPool],
        [avgPool2d, tf.avgPool],
      ] as const) {
        const y = ours(x, pool, { strides: s, padding: pad });
        const ty = theirs(tx, pool, s, pad);
        expect(y.shape).toEqual(ty.shape);
        expectClose(y, ty.dataSync(), TOL);
        // tfjs's avgPool gradient divides by the full window even where 'same' padding cuts
        // it (its forward divides by the valid count, as TensorFlow's forward and backward
        // do), so padded average pools are checked numerically below instead.
        if (ours === avgPool2d && pad === 'same') continue;
        const dy = randomTensor([...y.shape], 20);
        const [g] = tf.grads((a: tf.Tensor) => theirs(a as tf.Tensor4D, pool, s, pad))(
          [tx],
          toTf(dy),
        );
        const xv = variable(x);
        ours(xv, pool, { strides: s, padding: pad }).backward(dy);
        expectClose(xv.grad!, g!.dataSync(), TOL);
      }
    });
  }

  it('1-D pools match tf pools over a height-1 image', () => {
    const x = randomTensor([2, 9, 3], 30);
    const t4 = toTf<tf.Rank.R4>(x.reshape([2, 1, 9, 3]));
    expectClose(
      maxPool1d(x, 3, { strides: 2, padding: 'same' }),
      tf.maxPool(t4, [1, 3], [1, 2], 'same').dataSync(),
      TOL,
    );
    expectClose(
      avgPool1d(x, 4, { strides: 3 }),
      tf.avgPool(t4, [1, 4], [1, 3], 'valid').dataSync(),
      TOL,
    );
  });

  for (const [h, w, oh, ow] of [
    [3, 4, 6, 8],
    [4, 4, 12, 8],
    [5, 3, 7, 11],
    [6, 7, 4, 3],
  ] as const) {
    // The gradient is checked numerically below: tfjs's ResizeBilinearGrad fails on non-square
    // images and, with halfPixelCenters, is not the adjoint of its own forward.
    it(`resizeBilinear ${h}×${w} → ${oh}×${ow} matches tf.image.resizeBilinear(halfPixelCenters)`, () => {
      const x = randomTensor([2, h, w, 3], 40 + h);
      const tx = toTf<tf.Rank.R4>(x);
      const y = resizeBilinear(x, [oh, ow]);
      const ty = tf.image.resizeBilinear(tx, [oh, ow], false, true);
      expectClose(y, ty.dataSync(), TOL);
    });
  }

  it('UpSampling2D bilinear = tf.image.resizeBilinear to size × factor', () => {
    const x = randomTensor([1, 3, 5, 2], 60);
    expectClose(
      upSampling2d(x, [2, 3], { interpolation: 'bilinear' }),
      tf.image.resizeBilinear(toTf<tf.Rank.R4>(x), [6, 15], false, true).dataSync(),
      TOL,
    );
  });
});

describe('pooling gradient checks (float64, central differences)', () => {
  const x = (shape: number[], seed = 1) => randomValues(shape, seed);
  it('maxPool2d: overlapping windows, same padding', () => {
    gradCheck((a) => maxPool2d(a, 3, { strides: [2, 1], padding: 'same' }), [x([2, 5, 4, 2])]);
  });
  it('avgPool2d: overlapping windows, same padding, channelsFirst', () => {
    gradCheck(
      (a) => avgPool2d(a, [3, 2], { strides: 2, padding: 'same', dataFormat: 'channelsFirst' }),
      [x([2, 2, 5, 5])],
    );
  });
  it('1-D pools', () => {
    gradCheck((a) => maxPool1d(a, 3, { strides: 2, padding: 'same' }), [x([2, 7, 2])]);
    gradCheck((a) => avgPool1d(a, 2, { strides: 1 }), [x([2, 5, 2])]);
  });
  it('global pools', () => {
    gradCheck((a) => globalMaxPool(a), [x([2, 3, 3, 2])]);
    gradCheck((a) => globalAvgPool(a, { keepdims: true }), [x([2, 4, 2])]);
  });
  it('upsampling: nearest and bilinear (both layouts)', () => {
    gradCheck((a) => upSampling2d(a, [2, 3]), [x([1, 2, 3, 2])]);
    gradCheck((a) => upSampling1d(a, 3), [x([2, 3, 2])]);
    gradCheck((a) => upSampling2d(a, 2, { interpolation: 'bilinear' }), [x([1, 3, 4, 2])]);
    gradCheck(
      (a) => upSampling2d(a, [3, 2], { interpolation: 'bilinear', dataFormat: 'channelsFirst' }),
      [x([1, 2, 3, 3])],
    );
  });
  it('resizeBilinear: non-integer ratios, up and down', () => {
    gradCheck((a) => resizeBilinear(a, [5, 2]), [x([1, 3, 4, 2])]);
    gradCheck((a) => resizeBilinear(a, [2, 7], { dataFormat: 'channelsFirst' }), [x([1, 2, 4, 3])]);
  });
  it('zero padding and cropping', () => {
    gradCheck(
      (a) =>
        zeroPadding(a, [
          [1, 2],
          [0, 1],
        ]),
      [x([1, 2, 3, 2])],
    );
    gradCheck(
      (a) =>
        cropping(
          a,
          [
            [1, 0],
            [1, 1],
          ],
          'channelsFirst',
        ),
      [x([1, 2, 3, 4])],
    );
  });
});

describe('pooling errors', () => {
  it('names the op, the expected rank and the shape', () => {
    expect(() => maxPool2d(zeros([2, 4, 4]), 2)).toThrow(ShapeError);
    expect(() => maxPool2d(zeros([2, 4, 4]), 2)).toThrow(
      'maxPool2d: x must have rank 4 ([batch, height, width, channels]), got shape [2, 4, 4]',
    );
    expect(() => avgPool1d(zeros([2, 4, 4, 1]), 2)).toThrow(
      'avgPool1d: x must have rank 3 ([batch, steps, channels]), got shape [2, 4, 4, 1]',
    );
    expect(() => upSampling2d(zeros([2, 4, 4]), 2)).toThrow(/upSampling2d: x must have rank 4/);
    expect(() => globalMaxPool(zeros([2, 4]))).toThrow(/globalMaxPool: x must have rank >= 3/);
  });
  it('reports a window larger than the input', () => {
    expect(() => maxPool2d(zeros([1, 2, 5, 1]), 3)).toThrow(
      "maxPool2d: pool height 3 is larger than the input height 2 with padding 'valid'; x [1, 2, 5, 1], poolSize [3, 3]",
    );
    expect(maxPool2d(zeros([1, 2, 5, 1]), 3, { padding: 'same' }).shape).toEqual([1, 1, 2, 1]);
  });
  it('rejects invalid sizes, strides, paddings and croppings', () => {
    expect(() => maxPool2d(zeros([1, 4, 4, 1]), 0)).toThrow(ValueError);
    expect(() => avgPool2d(zeros([1, 4, 4, 1]), 2, { strides: [1, 0] })).toThrow(
      /avgPool2d: strides must be a positive integer or 2 of them/,
    );
    expect(() => maxPool2d(zeros([1, 4, 4, 1]), 2, { padding: 'full' as never })).toThrow(
      /maxPool2d: padding must be 'valid' or 'same'/,
    );
    expect(() =>
      upSampling2d(zeros([1, 2, 2, 1]), 2, { interpolation: 'bicubic' as never }),
    ).toThrow(/upSampling2d: interpolation must be 'nearest' or 'bilinear'/);
    expect(() => cropping(zeros([1, 4, 3]), [[2, 2]])).toThrow(
      'cropping: cropping [2, 2] leaves nothing of spatial axis 0 (size 4) of x [1, 4, 3]',
    );
    expect(() => zeroPadding(zeros([1, 4, 3]), [[-1, 0]])).toThrow(/zeroPadding: padding must be/);
    expect(() =>
      zeroPadding(zeros([1, 4, 3]), [
        [1, 0],
        [1, 1],
      ]),
    ).toThrow(
      /zeroPadding: x \[1, 4, 3\] needs rank >= 3 and one \[before, after\] pair per spatial axis, got 2 pairs/,
    );
  });
});
