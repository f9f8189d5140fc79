/**
 * Conv1DTranspose, SeparableConv1D and DepthwiseConv1D: the layer harness, Keras 3's own
 * outputs, weights and configs (test/helpers/conv3d_golden.ts), a `.keras` round trip, and
 * typed errors.
 */
import { describe, expect, it } from 'vitest';
import { checkGoldenClass, kerasRoundTrip } from '../../test/helpers/conv3d_golden.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { ShapeError, ValueError } from '../errors.js';
import { zeros } from '../ops/creation.js';
import { Conv2DTranspose } from './convolutional.js';
import { Conv1DTranspose, DepthwiseConv1D, SeparableConv1D } from './convolutional_1d_extra.js';

describe('Conv1DTranspose', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: Conv1DTranspose,
      args: { filters: 3, kernelSize: 3 },
      inputShape: [2, 4, 2],
      expectedOutputShape: [2, 6, 3],
      expectedNumWeights: 2,
      expectedNumTrainableWeights: 2,
      expectedWeightShapes: [[3, 3, 2], [3]],
    });
    runLayerTest({
      cls: Conv1DTranspose,
      args: { filters: 2, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1 },
      inputShape: [1, 3, 2],
      expectedOutputShape: [1, 6, 2],
      expectedWeightShapes: [[3, 2, 2], [2]],
    });
    runLayerTest({
      cls: Conv1DTranspose,
      args: { filters: 2, kernelSize: 2, dataFormat: 'channelsFirst', activation: 'tanh' },
      inputShape: [1, 3, 4],
      expectedOutputShape: [1, 2, 5],
    });
  });

  it("matches Keras's outputs, weights and configs", () => {
    // The fixture's conv_transpose stand-in is first checked against the 2-D layer.
    checkGoldenClass('Conv2DTranspose');
    expect(checkGoldenClass('Conv1DTranspose')).toBeLessThan(1e-5);
  });

  it('agrees with Conv2DTranspose on a height-1 image', () => {
    const l1 = new Conv1DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' });
    const l2 = new Conv2DTranspose({
      filters: 2,
      kernelSize: [1, 3],
      strides: [1, 2],
      padding: 'same',
    });
    const x = zeros([1, 4, 3]).add(1);
    l1.apply(x);
    l2.apply(x.reshape([1, 1, 4, 3]));
    l2.setWeights(l1.getWeights().map((w, i) => (i === 0 ? w.reshape([1, ...w.shape]) : w)));
    const y1 = l1.apply(x);
    const y2 = l2.apply(x.reshape([1, 1, 4, 3]));
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y2.dataSync()));
  });

  it('refuses bad options and inputs with typed errors', () => {
    expect(() => new Conv1DTranspose({ filters: 0, kernelSize: 2 })).toThrow(ValueError);
    expect(
      () => new Conv1DTranspose({ filters: 1, kernelSize: 3, strides: 2, outputPadding: 2 }),
    ).toThrow(
      /conv1d_transpose.*\(Conv1DTranspose\): outputPadding \(2\) must be smaller than strides \(2\)/,
    );
    expect(
      () => new Conv1DTranspose({ filters: 1, kernelSize: 3, strides: 2, dilationRate: 2 }),
    ).toThrow(ValueError);
    const l = new Conv1DTranspose({ filters: 1, kernelSize: 2 });
    expect(() => l.apply(zeros([1, 2, 3, 4]))).toThrow(ShapeError);
    l.apply(zeros([1, 4, 3]));
    expect(() => l.apply(zeros([1, 4, 2]))).toThrow(/axis -1.*3.*2|3.*2/);
  });
});

describe('SeparableConv1D', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: SeparableConv1D,
      args: { filters: 3, kernelSize: 3, depthMultiplier: 2 },
      inputShape: [2, 5, 2],
      expectedOutputShape: [2, 3, 3],
      expectedNumWeights: 3,
      expectedNumTrainableWeights: 3,
      expectedWeightShapes: [[3, 2, 2], [1, 4, 3], [3]],
    });
    runLayerTest({
      cls: SeparableConv1D,
      args: { filters: 2, kernelSize: 2, strides: 2, padding: 'same', dataFormat: 'channelsFirst' },
      inputShape: [1, 2, 5],
      expectedOutputShape: [1, 2, 3],
    });
  });

  it("matches Keras's outputs, weights and configs", () => {
    expect(checkGoldenClass('SeparableConv1D')).toBeLessThan(1e-5);
  });

  it('refuses bad options with typed errors', () => {
    expect(() => new SeparableConv1D({ filters: 2, kernelSize: 2, depthMultiplier: 0 })).toThrow(
      /\(SeparableConv1D\): depthMultiplier must be a positive integer, got 0/,
    );
    expect(
      () => new SeparableConv1D({ filters: 2, kernelSize: 2, padding: 'causal' as 'same' }),
    ).toThrow(/padding must be 'valid' or 'same', got "causal"/);
  });
});

describe('DepthwiseConv1D', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: DepthwiseConv1D,
      args: { kernelSize: 3, depthMultiplier: 2 },
      inputShape: [2, 5, 2],
      expectedOutputShape: [2, 3, 4],
      expectedNumWeights: 2,
      expectedWeightShapes: [[3, 2, 2], [4]],
    });
    runLayerTest({
      cls: DepthwiseConv1D,
      args: { kernelSize: 2, dilationRate: 2, padding: 'same', useBias: false },
      inputShape: [1, 5, 3],
      expectedOutputShape: [1, 5, 3],
      expectedWeightShapes: [[2, 3, 1]],
    });
  });

  it("matches Keras's outputs, weights and configs", () => {
    expect(checkGoldenClass('DepthwiseConv1D')).toBeLessThan(1e-5);
  });

  it('refuses bad options with typed errors', () => {
    expect(() => new DepthwiseConv1D({ kernelSize: [2, 2] })).toThrow(
      /\(DepthwiseConv1D\): kernelSize must be a positive integer or 1 of them, got \[2,2\]/,
    );
    expect(
      () => new DepthwiseConv1D({ kernelSize: 2, dataFormat: 'nhwc' as 'channelsLast' }),
    ).toThrow(ValueError);
  });

  it('round-trips through .keras with the other 1-D layers', async () => {
    await kerasRoundTrip(
      [
        new Conv1DTranspose({ filters: 3, kernelSize: 3, strides: 2, outputPadding: 1 }),
        new SeparableConv1D({ filters: 2, kernelSize: 2, depthMultiplier: 2, padding: 'same' }),
        new DepthwiseConv1D({ kernelSize: 2, activation: 'relu' }),
      ],
      [4, 2],
    );
  });
});
