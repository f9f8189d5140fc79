import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { ShapeError, ValueError } from '../errors.js';
import { model as functionalModel } from '../models/model.js';
import { tensor, zeros } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Embedding } from './embedding.js';
import { input } from './input_layer.js';
import type { Layer } from './layer.js';
import {
  AveragePooling1D,
  AveragePooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  MaxPooling1D,
  MaxPooling2D,
} from './pooling.js';

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

describe('MaxPooling2D / AveragePooling2D', () => {
  for (const cls of [MaxPooling2D, AveragePooling2D]) {
    it(`${cls.className} passes the layer harness (2×2, valid)`, () => {
      runLayerTest({
        cls,
        args: {},
        inputShape: [2, 5, 4, 3],
        expectedOutputShape: [2, 2, 2, 3],
        expectedNumWeights: 0,
      });
    });
    it(`${cls.className} passes the layer harness (overlapping 3×3, strides 2, same)`, () => {
      runLayerTest({
        cls,
        args: { poolSize: 3, strides: 2, padding: 'same' },
        inputShape: [2, 5, 6, 2],
        expectedOutputShape: [2, 3, 3, 2],
        expectedNumWeights: 0,
      });
    });
    it(`${cls.className} passes the layer harness (channelsFirst, pool [2, 3])`, () => {
      runLayerTest({
        cls,
        args: { poolSize: [2, 3], strides: 1, dataFormat: 'channelsFirst' },
        inputShape: [1, 2, 4, 5],
        expectedOutputShape: [1, 2, 3, 3],
        expectedNumWeights: 0,
      });
    });
  }

  for (const [poolSize, strides, padding] of [
    [2, undefined, 'valid'],
    [3, 2, 'same'],
    [3, 1, 'valid'],
  ] as const) {
    it(`match tf.layers pools (pool ${poolSize}, strides ${strides ?? 'default'}, ${padding})`, () => {
      setSeed(21);
      const x = randomNormal([2, 7, 6, 3]);
      const opts = { poolSize, strides, padding };
      compareWithTfjs(new MaxPooling2D(opts), tf.layers.maxPooling2d(opts), x);
      compareWithTfjs(new AveragePooling2D(opts), tf.layers.averagePooling2d(opts), x);
    });
  }

  it('gives a Keras-style config (strides default to poolSize)', () => {
    expect(new MaxPooling2D({ poolSize: 3 }).getConfig()).toMatchObject({
      poolSize: [3, 3],
      padding: 'valid',
      strides: [3, 3],
      dataFormat: 'channelsLast',
    });
  });

  it('infers shapes symbolically', () => {
    const x = input({ shape: [26, 26, 32] });
    expect(new MaxPooling2D({ poolSize: 2 }).apply(x).shape).toEqual([null, 13, 13, 32]);
    expect(new MaxPooling2D({ poolSize: 2 }).computeOutputShape([null, 11, 11, 64])).toEqual([
      null,
      5,
      5,
      64,
    ]);
    expect(
      new AveragePooling2D({ padding: 'same', dataFormat: 'channelsFirst' }).computeOutputShape([
        null,
        3,
        7,
        null,
      ]),
    ).toEqual([null, 3, 4, null]);
  });

  it('names the layer, the expected rank and the shape for a bad input', () => {
    const p = new MaxPooling2D({ name: 'pool' });
    expect(() => p.apply(zeros([2, 4, 4]))).toThrow(ShapeError);
    expect(() => p.apply(zeros([2, 4, 4]))).toThrow(
      'pool (MaxPooling2D): expected rank 4, got input shape [2, 4, 4]',
    );
    expect(() => new MaxPooling2D({ poolSize: 3 }).apply(zeros([1, 2, 4, 1]))).toThrow(
      /maxPool2d: pool height 3 is larger than the input height 2/,
    );
  });

  it('rejects invalid options', () => {
    expect(() => new MaxPooling2D({ poolSize: 0, name: 'p0' })).toThrow(
      'p0 (MaxPooling2D): poolSize must be a positive integer or 2 of them, got 0',
    );
    expect(() => new AveragePooling2D({ strides: [1, 2, 3] })).toThrow(ValueError);
    expect(() => new MaxPooling2D({ padding: 'causal' as never })).toThrow(
      /padding must be 'valid' or 'same'/,
    );
  });
});

describe('MaxPooling1D / AveragePooling1D', () => {
  for (const cls of [MaxPooling1D, AveragePooling1D]) {
    it(`${cls.className} passes the layer harness`, () => {
      runLayerTest({
        cls,
        args: { poolSize: 3, strides: 2, padding: 'same' },
        inputShape: [2, 7, 3],
        expectedOutputShape: [2, 4, 3],
        expectedNumWeights: 0,
      });
    });
  }

  it('match tf.layers.maxPooling1d / averagePooling1d', () => {
    setSeed(22);
    const x = randomNormal([2, 9, 4]);
    for (const opts of [{ poolSize: 2 }, { poolSize: 3, strides: 2, padding: 'same' as const }]) {
      compareWithTfjs(new MaxPooling1D(opts), tf.layers.maxPooling1d(opts), x);
      compareWithTfjs(new AveragePooling1D(opts), tf.layers.averagePooling1d(opts), x);
    }
  });

  it('names the layer for a bad rank', () => {
    expect(() => new MaxPooling1D({ name: 'p1' }).apply(zeros([2, 4, 4, 1]))).toThrow(
      'p1 (MaxPooling1D): expected rank 3, got input shape [2, 4, 4, 1]',
    );
  });
});

describe('global pooling', () => {
  const cases = [
    [GlobalMaxPooling1D, [2, 5, 3], [2, 3]],
    [GlobalAveragePooling1D, [2, 5, 3], [2, 3]],
    [GlobalMaxPooling2D, [2, 4, 3, 2], [2, 2]],
    [GlobalAveragePooling2D, [2, 4, 3, 2], [2, 2]],
  ] as const;
  for (const [cls, inShape, outShape] of cases) {
    it(`${cls.className} passes the layer harness`, () => {
      runLayerTest({
        cls,
        inputShape: inShape,
        expectedOutputShape: outShape,
        expectedNumWeights: 0,
      });
    });
    it(`${cls.className} passes the layer harness (keepdims, channelsFirst)`, () => {
      const rank = inShape.length - 2;
      runLayerTest({
        cls,
        args: { keepdims: true, dataFormat: 'channelsFirst' },
        inputShape: inShape,
        expectedOutputShape: [inShape[0], inShape[1], ...new Array(rank).fill(1)],
        expectedNumWeights: 0,
      });
    });
  }

  it('match tf.layers global pools', () => {
    setSeed(23);
    const x2 = randomNormal([2, 4, 5, 3]);
    compareWithTfjs(new GlobalMaxPooling2D(), tf.layers.globalMaxPooling2d({}), x2);
    compareWithTfjs(new GlobalAveragePooling2D(), tf.layers.globalAveragePooling2d({}), x2);
    const x1 = randomNormal([2, 6, 3]);
    compareWithTfjs(new GlobalMaxPooling1D(), tf.layers.globalMaxPooling1d(), x1);
    compareWithTfjs(new GlobalAveragePooling1D(), tf.layers.globalAveragePooling1d(), x1);
  });

  it('infers shapes symbolically and checks the rank', () => {
    const x = input({ shape: [7, 7, 16] });
    expect(new GlobalAveragePooling2D({ keepdims: true }).apply(x).shape).toEqual([null, 1, 1, 16]);
    expect(() => new GlobalAveragePooling2D({ name: 'gap' }).apply(zeros([2, 3, 4]))).toThrow(
      'gap (GlobalAveragePooling2D): expected rank 4, got input shape [2, 3, 4]',
    );
    expect(new GlobalMaxPooling1D().getConfig()).toMatchObject({
      dataFormat: 'channelsLast',
      keepdims: false,
    });
  });
});

describe('GlobalAveragePooling1D with a mask (as Keras: the mean of the unmasked steps)', () => {
  it('hand-derived: masked steps are left out of the mean', () => {
    const x = tensor([
      [
        [1, 10],
        [3, 30],
        [100, 1000],
      ],
      [
        [2, 4],
        [50, 60],
        [70, 80],
      ],
    ]);
    const mask = tensor([
      [true, true, false],
      [true, false, false],
    ]);
    const y = new GlobalAveragePooling1D().apply(x, { mask }) as Tensor;
    expectClose(y, [
      [2, 20],
      [2, 4],
    ]);
    const kept = new GlobalAveragePooling1D({ keepdims: true }).apply(x, { mask }) as Tensor;
    expect(kept.shape).toEqual([2, 1, 2]);
    // channels-first: [batch, channels, steps]
    const cf = new GlobalAveragePooling1D({ dataFormat: 'channelsFirst' }).apply(
      x.transpose([0, 2, 1]),
      { mask },
    ) as Tensor;
    expectClose(cf, y);
  });

  it('in a model, Embedding(maskZero) → GlobalAveragePooling1D averages the real tokens only', () => {
    setSeed(4);
    const ids = input({ shape: [4], dtype: 'int32' });
    const emb = new Embedding({ inputDim: 10, outputDim: 3, maskZero: true });
    const y = new GlobalAveragePooling1D().apply(emb.apply(ids));
    const m = functionalModel({ inputs: ids, outputs: y as never });
    const x = tensor(
      [
        [3, 5, 0, 0],
        [7, 0, 0, 0],
      ],
      undefined,
      'int32',
    );
    const table = emb.weights[0]!.arraySync() as number[][];
    const mean = (rows: number[]) =>
      [0, 1, 2].map((j) => rows.reduce((a, r) => a + table[r]![j]!, 0) / rows.length);
    expectClose(m.predict(x) as Tensor, [mean([3, 5]), mean([7])], { atol: 1e-6 });
  });
});
