/**
 * Conv3D and Conv3DTranspose: the layer harness (float64 gradient checks of the composites),
 * Keras 3's own outputs, weights and configs (test/helpers/conv3d_golden.ts), channels-first,
 * a `.keras` round trip, and typed errors.
 */
import { describe, expect, it } from 'vitest';
import { checkGoldenClass, kerasRoundTrip } from '../../test/helpers/conv3d_golden.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { ShapeError, ValueError } from '../errors.js';
import { zeros } from '../ops/creation.js';
import { transpose } from '../ops/movement.js';
import { randomNormal } from '../ops/random.js';
import { Conv3D, Conv3DTranspose } from './convolutional_3d.js';
import type { Layer } from './layer.js';
import { MaxPooling3D } from './pooling_3d.js';

/** channelsFirst equals channelsLast up to the transposes, with the same weights. */
function checkChannelsFirst(last: Layer, first: Layer, shape: number[]): void {
  const x = randomNormal(shape, 0, 1, { seed: 11 });
  const xf = transpose(x, [0, 4, 1, 2, 3]);
  last.apply(x);
  first.apply(xf);
  const ws = last
    .getWeights()
    .map((w, i) => (i === 1 ? randomNormal([...w.shape], 0, 1, { seed: 2 }) : w));
  last.setWeights(ws);
  first.setWeights(ws);
  const yl = last.apply(x);
  const yf = first.apply(xf);
  expectClose(transpose(yf, [0, 2, 3, 4, 1]), yl.dataSync(), { rtol: 1e-5, atol: 1e-5 });
}

describe('Conv3D', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: Conv3D,
      args: { filters: 2, kernelSize: 2 },
      inputShape: [1, 3, 3, 3, 2],
      expectedOutputShape: [1, 2, 2, 2, 2],
      expectedNumWeights: 2,
      expectedNumTrainableWeights: 2,
      expectedWeightShapes: [[2, 2, 2, 2, 2], [2]],
    });
    runLayerTest({
      cls: Conv3D,
      args: { filters: 2, kernelSize: [3, 2, 2], strides: [2, 1, 2], padding: 'same', groups: 2 },
      inputShape: [1, 4, 2, 3, 2],
      expectedOutputShape: [1, 2, 2, 2, 2],
      expectedWeightShapes: [[3, 2, 2, 1, 2], [2]],
    });
    runLayerTest({
      cls: Conv3D,
      args: { filters: 1, kernelSize: 2, dilationRate: [2, 1, 1], dataFormat: 'channelsFirst' },
      inputShape: [1, 2, 3, 2, 2],
      expectedOutputShape: [1, 1, 1, 1, 1],
    });
  });

  it("matches Keras's outputs, weights and configs", () => {
    expect(checkGoldenClass('Conv3D')).toBeLessThan(1e-5);
  });

  it('computes channelsFirst as the transposed channelsLast', () => {
    const args = { filters: 3, kernelSize: [2, 3, 2], strides: 2, padding: 'same' as const };
    checkChannelsFirst(
      new Conv3D(args),
      new Conv3D({ ...args, dataFormat: 'channelsFirst' }),
      [2, 3, 5, 4, 2],
    );
  });

  it('refuses bad options and inputs with typed errors', () => {
    expect(() => new Conv3D({ filters: 2, kernelSize: [2, 2] })).toThrow(
      /\(Conv3D\): kernelSize must be a positive integer or 3 of them, got \[2,2\]/,
    );
    expect(() => new Conv3D({ filters: 3, kernelSize: 2, groups: 2 })).toThrow(ValueError);
    expect(() => new Conv3D({ filters: 2, kernelSize: 2, strides: 2, dilationRate: 2 })).toThrow(
      /strides > 1 are not supported together with dilationRate > 1/,
    );
    expect(() =>
      new Conv3D({ filters: 2, kernelSize: 2, groups: 2 }).apply(zeros([1, 3, 3, 3, 3])),
    ).toThrow(ShapeError);
    expect(() => new Conv3D({ filters: 1, kernelSize: 3 }).apply(zeros([1, 2, 4, 4, 1]))).toThrow(
      /\(Conv3D\): the \(dilated\) kernel \[3, 3, 3\] does not fit the input's spatial size \[2, 4, 4\]/,
    );
  });
});

describe('Conv3DTranspose', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: Conv3DTranspose,
      args: { filters: 2, kernelSize: 2 },
      inputShape: [1, 2, 2, 2, 2],
      expectedOutputShape: [1, 3, 3, 3, 2],
      expectedNumWeights: 2,
      expectedWeightShapes: [[2, 2, 2, 2, 2], [2]],
    });
    runLayerTest({
      cls: Conv3DTranspose,
      args: { filters: 1, kernelSize: [3, 2, 2], strides: [2, 1, 3], padding: 'same' },
      inputShape: [1, 2, 2, 2, 2],
      expectedOutputShape: [1, 4, 2, 6, 1],
    });
    runLayerTest({
      cls: Conv3DTranspose,
      args: {
        filters: 2,
        kernelSize: 3,
        strides: 2,
        outputPadding: [1, 0, 1],
        dataFormat: 'channelsFirst',
      },
      inputShape: [1, 1, 2, 1, 2],
      expectedOutputShape: [1, 2, 6, 3, 6],
    });
  });

  it("matches Keras's outputs, weights and configs", () => {
    expect(checkGoldenClass('Conv3DTranspose')).toBeLessThan(1e-5);
  });

  it('computes channelsFirst as the transposed channelsLast', () => {
    const args = {
      filters: 2,
      kernelSize: [3, 2, 2],
      strides: [2, 1, 2],
      padding: 'same' as const,
    };
    checkChannelsFirst(
      new Conv3DTranspose(args),
      new Conv3DTranspose({ ...args, dataFormat: 'channelsFirst' }),
      [1, 2, 3, 2, 3],
    );
  });

  it('refuses bad options with typed errors', () => {
    expect(
      () =>
        new Conv3DTranspose({ filters: 1, kernelSize: 3, strides: 2, outputPadding: [1, 2, 0] }),
    ).toThrow(
      /\(Conv3DTranspose\): outputPadding \[1, 2, 0\] must be smaller than strides \[2, 2, 2\]/,
    );
    expect(() => new Conv3DTranspose({ filters: -1, kernelSize: 3 })).toThrow(ValueError);
    expect(() =>
      new Conv3DTranspose({ filters: 1, kernelSize: 2 }).apply(zeros([1, 2, 2, 2])),
    ).toThrow();
  });

  it('round-trips through .keras with Conv3D', async () => {
    await kerasRoundTrip(
      [
        new Conv3D({ filters: 2, kernelSize: 2, padding: 'same', activation: 'relu' }),
        new MaxPooling3D({ poolSize: [1, 2, 2] }),
        new Conv3DTranspose({ filters: 1, kernelSize: 2, strides: [1, 2, 2] }),
      ],
      [2, 4, 4, 1],
    );
  });
});
