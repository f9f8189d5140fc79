import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { ShapeError, ValueError } from '../errors.js';
import { Sequential } from '../models/sequential.js';
import { tensor, zeros } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  Conv1D,
  Conv2D,
  Conv2DTranspose,
  DepthwiseConv2D,
  SeparableConv2D,
} from './convolutional.js';
import { Flatten } from './core.js';
import { Dense } from './dense.js';
import { input } from './input_layer.js';
import type { Layer } from './layer.js';
import { MaxPooling2D } from './pooling.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const toTf = (t: Tensor) => tf.tensor(Array.from(t.dataSync()), [...t.shape] as number[]);

/**
 * Builds `ours` on x, gives it non-zero random biases, copies all its weights into the tfjs
 * layer `theirs` and compares the outputs.
 */
function compareWithTfjs(ours: Layer, theirs: tf.layers.Layer, x: Tensor, seed = 5): void {
  ours.apply(x);
  setSeed(seed);
  const ws = ours.getWeights().map((w, i, all) =>
    // Keras and tfjs start biases at zero; give them values so the bias is checked too.
    i === all.length - 1 && w.rank === 1 ? randomNormal([...w.shape]) : w,
  );
  ours.setWeights(ws);
  const tx = toTf(x);
  theirs.apply(tx);
  theirs.setWeights(ours.getWeights().map(toTf));
  const ty = theirs.apply(tx) as tf.Tensor;
  const y = ours.apply(x);
  expect(y.shape).toEqual(ty.shape);
  expectClose(y, ty.dataSync(), { rtol: 1e-4, atol: 1e-5 });
}

describe('Conv2D', () => {
  it('passes the layer harness (valid, defaults)', () => {
    runLayerTest({
      cls: Conv2D,
      args: { filters: 3, kernelSize: 3 },
      inputShape: [2, 5, 6, 2],
      expectedOutputShape: [2, 3, 4, 3],
      expectedNumWeights: 2,
      expectedNumTrainableWeights: 2,
      expectedNumNonTrainableWeights: 0,
      expectedWeightShapes: [[3, 3, 2, 3], [3]],
    });
  });

  it('passes the layer harness (strides 2, same, tanh)', () => {
    runLayerTest({
      cls: Conv2D,
      args: { filters: 2, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'tanh' },
      inputShape: [2, 5, 4, 2],
      expectedOutputShape: [2, 3, 2, 2],
      expectedWeightShapes: [[3, 2, 2, 2], [2]],
    });
  });

  it('passes the layer harness (dilation 2, no bias)', () => {
    runLayerTest({
      cls: Conv2D,
      args: { filters: 2, kernelSize: 2, dilationRate: 2, useBias: false },
      inputShape: [1, 5, 5, 2],
      expectedOutputShape: [1, 3, 3, 2],
      expectedNumWeights: 1,
      expectedWeightShapes: [[2, 2, 2, 2]],
    });
  });

  it('passes the layer harness (groups 2)', () => {
    runLayerTest({
      cls: Conv2D,
      args: { filters: 4, kernelSize: 3, groups: 2, padding: 'same' },
      inputShape: [2, 4, 4, 4],
      expectedOutputShape: [2, 4, 4, 4],
      expectedWeightShapes: [[3, 3, 2, 4], [4]],
    });
  });

  it('passes the layer harness (channelsFirst)', () => {
    runLayerTest({
      cls: Conv2D,
      args: { filters: 3, kernelSize: 2, dataFormat: 'channelsFirst', activation: 'relu' },
      inputShape: [2, 2, 4, 5],
      expectedOutputShape: [2, 3, 3, 4],
      expectedWeightShapes: [[2, 2, 2, 3], [3]],
    });
  });

  for (const [padding, strides, dilationRate, activation] of [
    ['valid', 1, 1, 'linear'],
    ['same', 2, 1, 'relu'],
    ['same', 1, 2, 'sigmoid'],
  ] as const) {
    it(`matches tf.layers.conv2d (${padding}, strides ${strides}, dilation ${dilationRate}, ${activation})`, () => {
      setSeed(11);
      const opts = { filters: 4, kernelSize: 3, padding, strides, dilationRate, activation };
      compareWithTfjs(new Conv2D(opts), tf.layers.conv2d(opts), randomNormal([2, 7, 8, 3]));
    });
  }

  it('initialises the kernel Glorot-uniform with conv fans and the bias to zeros (Keras)', () => {
    setSeed(3);
    const c = new Conv2D({ filters: 16, kernelSize: 3 });
    c.apply(zeros([1, 5, 5, 8]));
    const [k, b] = c.getWeights();
    // fanIn = 3·3·8, fanOut = 3·3·16.
    const limit = Math.sqrt(6 / (72 + 144));
    const kv = Array.from(k!.dataSync());
    expect(Math.max(...kv.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...kv.map(Math.abs))).toBeGreaterThan(0.9 * limit);
    expect(Array.from(b!.dataSync())).toEqual(new Array(16).fill(0));
    expect(c.getConfig().kernelInitializer).toMatchObject({ className: 'GlorotUniform' });
  });

  it('gives a Keras-style config', () => {
    const c = new Conv2D({
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      dataFormat: 'channels_last',
      kernelRegularizer: 'l2',
    });
    expect(c.getConfig()).toMatchObject({
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dataFormat: 'channelsLast',
      dilationRate: [1, 1],
      groups: 1,
      activation: 'linear',
      useBias: true,
      kernelRegularizer: { className: 'L2' },
      biasRegularizer: null,
    });
  });

  it('infers shapes symbolically, with unknown spatial sizes', () => {
    const x = input({ shape: [null, 9, 3] as never });
    const y = new Conv2D({ filters: 5, kernelSize: 3, strides: 2 }).apply(x);
    expect(y.shape).toEqual([null, null, 4, 5]);
    const layer = new Conv2D({ filters: 5, kernelSize: 3, padding: 'same', strides: 2 });
    expect(layer.computeOutputShape([null, 9, 10, 3])).toEqual([null, 5, 5, 5]);
  });

  it('names the layer, the expected rank and the shape for a 3-D input', () => {
    const c = new Conv2D({ filters: 2, kernelSize: 3, name: 'conv2d' });
    expect(() => c.apply(zeros([2, 5, 5]))).toThrow(ShapeError);
    expect(() => c.apply(zeros([2, 5, 5]))).toThrow(
      'conv2d (Conv2D): expected rank 4, got input shape [2, 5, 5]',
    );
    const sym = input({ shape: [5, 5], name: 'pixels' });
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, name: 'c2' }).apply(sym)).toThrow(
      "c2 (Conv2D): expected rank 4, got input shape [null, 5, 5] from layer 'pixels'",
    );
  });

  it('checks the channel count once built', () => {
    const c = new Conv2D({ filters: 2, kernelSize: 1, name: 'conv_c' });
    c.apply(zeros([1, 3, 3, 3]));
    expect(() => c.apply(zeros([1, 3, 3, 4]))).toThrow(
      /conv_c \(Conv2D\): expected axis -1 of size 3 \(built for input shape \[1, 3, 3, 3\]\), got input shape \[1, 3, 3, 4\]/,
    );
  });

  it('reports a kernel larger than the input', () => {
    expect(() => new Conv2D({ filters: 2, kernelSize: 5 }).apply(zeros([1, 3, 8, 1]))).toThrow(
      /conv2d: kernel height 5 is larger than the input height 3/,
    );
  });

  it('rejects invalid options', () => {
    expect(() => new Conv2D({ filters: 0, kernelSize: 3, name: 'bad' })).toThrow(
      'bad (Conv2D): filters must be a positive integer, got 0',
    );
    expect(() => new Conv2D({ filters: 2 } as never)).toThrow(
      /kernelSize must be a positive integer/,
    );
    expect(() => new Conv2D({ filters: 2, kernelSize: [3, 3, 3] })).toThrow(
      /kernelSize must be a positive integer or 2 of them/,
    );
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(
      /strides > 1 are not supported together with dilationRate > 1/,
    );
    expect(() => new Conv2D({ filters: 3, kernelSize: 3, groups: 2 })).toThrow(
      /filters \(3\) must be divisible by groups \(2\)/,
    );
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, padding: 'causal' as never })).toThrow(
      /padding must be 'valid' or 'same'/,
    );
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, dataFormat: 'NCHW' as never })).toThrow(
      /dataFormat must be 'channelsLast' or 'channelsFirst'/,
    );
    const g = new Conv2D({ filters: 4, kernelSize: 1, groups: 2, name: 'grp' });
    expect(() => g.apply(zeros([1, 2, 2, 3]))).toThrow(
      'grp (Conv2D): input channels (3) must be divisible by groups (2), got input shape [1, 2, 2, 3]',
    );
  });

  it('trains in a small convnet (Sequential: conv → pool → flatten → dense)', async () => {
    setSeed(1);
    const model = new Sequential({
      layers: [
        new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }),
        new MaxPooling2D({ poolSize: 2 }),
        new Flatten(),
        new Dense({ units: 2, activation: 'softmax' }),
      ],
    });
    // Bright top half → class 0, bright bottom half → class 1.
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 32; i++) {
      const cls = i % 2;
      for (let r = 0; r < 6; r++)
        for (let c = 0; c < 6; c++) xs.push(r < 3 === (cls === 0) ? 1 : 0.1 * ((r + c + i) % 3));
      ys.push(cls);
    }
    model.compile({
      optimizer: 'adam',
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const x = tensor(xs, [32, 6, 6, 1]);
    const y = tensor(ys, [32], 'int32');
    await model.fit(x, y, { epochs: 30, batchSize: 8, verbose: 0 });
    expect((model.predict(x) as Tensor).shape).toEqual([32, 2]);
    expect(model.evaluate(x, y).accuracy).toBe(1);
  });
});

describe('Conv1D', () => {
  it('passes the layer harness (valid)', () => {
    runLayerTest({
      cls: Conv1D,
      args: { filters: 3, kernelSize: 3 },
      inputShape: [2, 7, 2],
      expectedOutputShape: [2, 5, 3],
      expectedWeightShapes: [[3, 2, 3], [3]],
    });
  });

  it('passes the layer harness (causal, dilation 2, groups 2)', () => {
    runLayerTest({
      cls: Conv1D,
      args: { filters: 2, kernelSize: 2, padding: 'causal', dilationRate: 2, groups: 2 },
      inputShape: [2, 6, 4],
      expectedOutputShape: [2, 6, 2],
      expectedWeightShapes: [[2, 2, 2], [2]],
    });
  });

  it('causal padding: output t depends only on inputs ≤ t', () => {
    const c = new Conv1D({ filters: 1, kernelSize: 3, padding: 'causal', useBias: false });
    c.apply(zeros([1, 5, 1]));
    c.setWeights([tensor([1, 10, 100], [3, 1, 1])]);
    // y[t] = x[t−2] + 10·x[t−1] + 100·x[t] with zeros before the start.
    expectClose(c.apply(tensor([1, 2, 3, 4, 5], [1, 5, 1])), [100, 210, 321, 432, 543]);
  });

  for (const [padding, strides] of [
    ['valid', 1],
    ['same', 2],
  ] as const) {
    it(`matches tf.layers.conv1d (${padding}, strides ${strides})`, () => {
      setSeed(12);
      const opts = { filters: 3, kernelSize: 3, padding, strides, activation: 'relu' as const };
      compareWithTfjs(new Conv1D(opts), tf.layers.conv1d(opts), randomNormal([2, 9, 4]));
    });
  }
});

describe('Conv2DTranspose', () => {
  it('passes the layer harness (same, strides 2)', () => {
    runLayerTest({
      cls: Conv2DTranspose,
      args: { filters: 2, kernelSize: 3, strides: 2, padding: 'same' },
      inputShape: [2, 3, 3, 3],
      expectedOutputShape: [2, 6, 6, 2],
      expectedWeightShapes: [[3, 3, 2, 3], [2]],
    });
  });

  it('passes the layer harness (valid, outputPadding, channelsFirst)', () => {
    runLayerTest({
      cls: Conv2DTranspose,
      args: {
        filters: 2,
        kernelSize: 2,
        strides: 2,
        outputPadding: 1,
        dataFormat: 'channelsFirst',
      },
      inputShape: [1, 2, 3, 2],
      // (n − 1)·2 + 2 + 1
      expectedOutputShape: [1, 2, 7, 5],
      expectedWeightShapes: [[2, 2, 2, 2], [2]],
    });
  });

  for (const [padding, strides] of [
    ['valid', 1],
    ['valid', 2],
    ['same', 2],
  ] as const) {
    it(`matches tf.layers.conv2dTranspose (${padding}, strides ${strides})`, () => {
      setSeed(13);
      const opts = { filters: 3, kernelSize: 3, padding, strides };
      compareWithTfjs(
        new Conv2DTranspose(opts),
        tf.layers.conv2dTranspose(opts),
        randomNormal([2, 4, 5, 2]),
      );
    });
  }

  it('rejects outputPadding ≥ strides', () => {
    expect(
      () =>
        new Conv2DTranspose({
          filters: 2,
          kernelSize: 3,
          strides: 2,
          outputPadding: 2,
          name: 'up',
        }),
    ).toThrow('up (Conv2DTranspose): outputPadding [2, 2] must be smaller than strides [2, 2]');
  });
});

describe('DepthwiseConv2D', () => {
  it('passes the layer harness (multiplier 2, same, strides 2)', () => {
    runLayerTest({
      cls: DepthwiseConv2D,
      args: { kernelSize: 3, depthMultiplier: 2, padding: 'same', strides: 2 },
      inputShape: [2, 5, 5, 2],
      expectedOutputShape: [2, 3, 3, 4],
      expectedWeightShapes: [[3, 3, 2, 2], [4]],
    });
  });

  it('passes the layer harness (channelsFirst, dilation 2)', () => {
    runLayerTest({
      cls: DepthwiseConv2D,
      args: { kernelSize: 2, dilationRate: 2, dataFormat: 'channelsFirst' },
      inputShape: [1, 3, 5, 4],
      expectedOutputShape: [1, 3, 3, 2],
      expectedWeightShapes: [[2, 2, 3, 1], [3]],
    });
  });

  it('matches tf.layers.depthwiseConv2d', () => {
    setSeed(14);
    const opts = {
      kernelSize: 3,
      depthMultiplier: 2,
      padding: 'same' as const,
      activation: 'relu' as const,
    };
    compareWithTfjs(
      new DepthwiseConv2D(opts),
      tf.layers.depthwiseConv2d(opts),
      randomNormal([2, 6, 5, 3]),
    );
  });

  it('gives Keras weight names', () => {
    const d = new DepthwiseConv2D({ kernelSize: 3, name: 'dw' });
    d.apply(zeros([1, 4, 4, 2]));
    expect(d.weights.map((w) => w.name)).toEqual(['dw/depthwise_kernel', 'dw/bias']);
  });
});

describe('SeparableConv2D', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: SeparableConv2D,
      args: { filters: 3, kernelSize: 3, depthMultiplier: 2, padding: 'same' },
      inputShape: [2, 4, 4, 2],
      expectedOutputShape: [2, 4, 4, 3],
      expectedWeightShapes: [[3, 3, 2, 2], [1, 1, 4, 3], [3]],
    });
  });

  it('matches tf.layers.separableConv2d', () => {
    setSeed(15);
    const opts = {
      filters: 4,
      kernelSize: 3,
      depthMultiplier: 2,
      strides: 2,
      activation: 'tanh' as const,
    };
    compareWithTfjs(
      new SeparableConv2D(opts),
      tf.layers.separableConv2d(opts),
      randomNormal([2, 7, 7, 3]),
    );
  });

  it('has fewer parameters than a Conv2D of the same size', () => {
    const s = new SeparableConv2D({ filters: 32, kernelSize: 3 });
    const c = new Conv2D({ filters: 32, kernelSize: 3 });
    s.apply(zeros([1, 5, 5, 16]));
    c.apply(zeros([1, 5, 5, 16]));
    expect(s.countParams()).toBe(3 * 3 * 16 + 16 * 32 + 32);
    expect(c.countParams()).toBe(3 * 3 * 16 * 32 + 32);
  });

  it('rejects a bad depthMultiplier', () => {
    expect(() => new SeparableConv2D({ filters: 2, kernelSize: 3, depthMultiplier: 0 })).toThrow(
      ValueError,
    );
  });
});
