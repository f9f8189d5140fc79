import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { ShapeError, ValueError } from '../errors.js';
import { tensor, zeros } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { input } from './input_layer.js';
import type { Layer } from './layer.js';
import {
  Cropping1D,
  Cropping2D,
  UpSampling1D,
  UpSampling2D,
  ZeroPadding1D,
  ZeroPadding2D,
} from './reshaping.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const toTf = (t: Tensor) => tf.tensor(Array.from(t.dataSync()), [...t.shape] as number[]);

function compareWithTfjs(ours: Layer, theirs: tf.layers.Layer, x: Tensor): void {
  const y = ours.apply(x);
  const ty = theirs.apply(toTf(x)) as tf.Tensor;
  expect(y.shape).toEqual(ty.shape);
  expectClose(y, ty.dataSync(), { rtol: 1e-4, atol: 1e-5 });
}

describe('UpSampling1D / UpSampling2D', () => {
  it('UpSampling1D passes the layer harness', () => {
    runLayerTest({
      cls: UpSampling1D,
      args: { size: 3 },
      inputShape: [2, 4, 3],
      expectedOutputShape: [2, 12, 3],
      expectedNumWeights: 0,
    });
  });

  for (const [args, inShape, outShape] of [
    [{}, [2, 3, 4, 2], [2, 6, 8, 2]],
    [{ size: [2, 3], interpolation: 'bilinear' }, [1, 3, 4, 2], [1, 6, 12, 2]],
    [{ size: [3, 1], dataFormat: 'channelsFirst' }, [1, 2, 3, 4], [1, 2, 9, 4]],
    [
      { size: 2, interpolation: 'bilinear', dataFormat: 'channelsFirst' },
      [1, 2, 3, 3],
      [1, 2, 6, 6],
    ],
  ] as const) {
    it(`UpSampling2D passes the layer harness (${JSON.stringify(args)})`, () => {
      runLayerTest({
        cls: UpSampling2D,
        args,
        inputShape: inShape,
        expectedOutputShape: outShape,
        expectedNumWeights: 0,
      });
    });
  }

  it('nearest matches tf.layers.upSampling2d', () => {
    setSeed(31);
    const x = randomNormal([2, 3, 4, 2]);
    compareWithTfjs(
      new UpSampling2D({ size: [2, 3] }),
      tf.layers.upSampling2d({ size: [2, 3] }),
      x,
    );
  });

  it('bilinear matches tf.image.resizeBilinear with half-pixel centers (Keras 3 semantics)', () => {
    // tf.layers.upSampling2d's bilinear mode uses the legacy corner alignment; Keras 3 resizes
    // with tf.image.resize (half-pixel centers).
    setSeed(32);
    const x = randomNormal([2, 3, 5, 2]);
    const y = new UpSampling2D({ size: 2, interpolation: 'bilinear' }).apply(x);
    const ty = tf.image.resizeBilinear(toTf(x) as tf.Tensor4D, [6, 10], false, true);
    expectClose(y, ty.dataSync(), { rtol: 1e-4, atol: 1e-5 });
    // Hand check on one row: [0, 1] ×2 → [0, 0.25, 0.75, 1].
    const row = new UpSampling2D({ size: [1, 2], interpolation: 'bilinear' }).apply(
      tensor([[[[0], [1]]]]),
    );
    expectClose(row, [0, 0.25, 0.75, 1]);
  });

  it('infers shapes symbolically and gives Keras-style configs', () => {
    const x = input({ shape: [7, null, 3] as never });
    expect(new UpSampling2D({ size: [2, 3] }).apply(x).shape).toEqual([null, 14, null, 3]);
    expect(new UpSampling2D().getConfig()).toMatchObject({
      size: [2, 2],
      dataFormat: 'channelsLast',
      interpolation: 'nearest',
    });
    expect(new UpSampling1D().getConfig()).toMatchObject({ size: 2 });
  });

  it('rejects bad options and ranks', () => {
    expect(() => new UpSampling2D({ interpolation: 'bicubic' as never, name: 'up' })).toThrow(
      "up (UpSampling2D): interpolation must be 'nearest' or 'bilinear', got \"bicubic\"",
    );
    expect(() => new UpSampling2D({ size: 0 })).toThrow(ValueError);
    expect(() => new UpSampling1D({ size: 1.5 })).toThrow(ValueError);
    expect(() => new UpSampling2D({ name: 'up2' }).apply(zeros([1, 2, 2]))).toThrow(
      'up2 (UpSampling2D): expected rank 4, got input shape [1, 2, 2]',
    );
  });
});

describe('ZeroPadding1D / ZeroPadding2D', () => {
  it('ZeroPadding1D passes the layer harness', () => {
    runLayerTest({
      cls: ZeroPadding1D,
      args: { padding: [1, 2] },
      inputShape: [2, 4, 3],
      expectedOutputShape: [2, 7, 3],
      expectedNumWeights: 0,
    });
  });

  for (const [args, outShape] of [
    [{}, [2, 5, 6, 2]],
    [{ padding: [2, 0] }, [2, 7, 4, 2]],
    [
      {
        padding: [
          [1, 0],
          [0, 3],
        ],
      },
      [2, 4, 7, 2],
    ],
  ] as const) {
    it(`ZeroPadding2D passes the layer harness (${JSON.stringify(args)})`, () => {
      runLayerTest({
        cls: ZeroPadding2D,
        args,
        inputShape: [2, 3, 4, 2],
        expectedOutputShape: outShape,
        expectedNumWeights: 0,
      });
    });
  }

  it('ZeroPadding2D channelsFirst passes the layer harness', () => {
    runLayerTest({
      cls: ZeroPadding2D,
      args: { padding: 1, dataFormat: 'channelsFirst' },
      inputShape: [1, 2, 3, 3],
      expectedOutputShape: [1, 2, 5, 5],
      expectedNumWeights: 0,
    });
  });

  it('matches tf.layers.zeroPadding2d', () => {
    setSeed(33);
    const x = randomNormal([2, 3, 4, 2]);
    const padding: [[number, number], [number, number]] = [
      [1, 2],
      [0, 1],
    ];
    compareWithTfjs(new ZeroPadding2D({ padding }), tf.layers.zeroPadding2d({ padding }), x);
  });

  it('puts zeros around the data', () => {
    expectClose(new ZeroPadding1D({ padding: [1, 0] }).apply(tensor([[[5], [6]]])), [0, 5, 6]);
  });

  it('gives Keras-style configs and rejects bad paddings', () => {
    expect(new ZeroPadding2D({ padding: [1, 2] }).getConfig()).toMatchObject({
      padding: [
        [1, 1],
        [2, 2],
      ],
    });
    expect(new ZeroPadding1D().getConfig()).toMatchObject({ padding: [1, 1] });
    expect(() => new ZeroPadding2D({ padding: [1, 2, 3], name: 'zp' })).toThrow(
      /zp \(ZeroPadding2D\): padding must be an integer, \[symmetricHeight, symmetricWidth\], or \[\[top, bottom\], \[left, right\]\]/,
    );
    expect(() => new ZeroPadding1D({ padding: -1 })).toThrow(ValueError);
  });
});

describe('Cropping1D / Cropping2D', () => {
  it('Cropping1D passes the layer harness', () => {
    runLayerTest({
      cls: Cropping1D,
      args: { cropping: [1, 2] },
      inputShape: [2, 6, 3],
      expectedOutputShape: [2, 3, 3],
      expectedNumWeights: 0,
    });
  });

  for (const [args, inShape, outShape] of [
    [{ cropping: 1 }, [2, 5, 6, 2], [2, 3, 4, 2]],
    [
      {
        cropping: [
          [0, 2],
          [1, 0],
        ],
      },
      [2, 5, 6, 2],
      [2, 3, 5, 2],
    ],
    [{ cropping: [1, 0], dataFormat: 'channelsFirst' }, [1, 2, 5, 4], [1, 2, 3, 4]],
  ] as const) {
    it(`Cropping2D passes the layer harness (${JSON.stringify(args)})`, () => {
      runLayerTest({
        cls: Cropping2D,
        args,
        inputShape: inShape,
        expectedOutputShape: outShape,
        expectedNumWeights: 0,
      });
    });
  }

  it('matches tf.layers.cropping2D', () => {
    setSeed(34);
    const x = randomNormal([2, 6, 5, 2]);
    const cropping: [[number, number], [number, number]] = [
      [2, 1],
      [0, 3],
    ];
    compareWithTfjs(new Cropping2D({ cropping }), tf.layers.cropping2D({ cropping }), x);
  });

  it('reports a cropping that leaves nothing, symbolically and on data', () => {
    expect(() =>
      new Cropping1D({ cropping: [2, 2], name: 'crop' }).apply(zeros([1, 4, 2])),
    ).toThrow(
      'crop (Cropping1D): cropping [2, 2] leaves nothing of axis 1 (size 4), got input shape [1, 4, 2]',
    );
    const x = input({ shape: [4, 4, 1] });
    expect(() =>
      new Cropping2D({
        cropping: [
          [1, 1],
          [3, 1],
        ],
        name: 'c2',
      }).apply(x),
    ).toThrow(ShapeError);
    expect(new Cropping2D({ cropping: 1 }).apply(x).shape).toEqual([null, 2, 2, 1]);
  });

  it('gives Keras-style configs', () => {
    expect(new Cropping2D().getConfig()).toMatchObject({
      cropping: [
        [0, 0],
        [0, 0],
      ],
      dataFormat: 'channelsLast',
    });
    expect(new Cropping1D().getConfig()).toMatchObject({ cropping: [1, 1] });
  });
});
