/**
 * ONNX export of the convolution family (convolutions and their transposes, depthwise and
 * separable ones, window and global pooling, zero padding, cropping, upsampling), checked by
 * running the exported bytes in ONNX Runtime against `model.predict`. Odd sizes, even kernels
 * and strides make Keras's asymmetric 'same' padding show.
 */
import { describe, expect, it } from 'vitest';
import { expectOnnxMatchesPredict } from '../../../test/helpers/onnx_runtime.js';
import { registerActivation } from '../../activations.js';
import {
  Conv1D,
  Conv2D,
  Conv2DTranspose,
  DepthwiseConv2D,
  SeparableConv2D,
} from '../../layers/convolutional.js';
import {
  Conv1DTranspose,
  DepthwiseConv1D,
  SeparableConv1D,
} from '../../layers/convolutional_1d_extra.js';
import { Conv3D, Conv3DTranspose } from '../../layers/convolutional_3d.js';
import { Dense } from '../../layers/dense.js';
import { input } from '../../layers/input_layer.js';
import type { Layer } from '../../layers/layer.js';
import { BatchNormalization } from '../../layers/normalization.js';
import {
  AveragePooling1D,
  AveragePooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  MaxPooling1D,
  MaxPooling2D,
} from '../../layers/pooling.js';
import {
  AveragePooling3D,
  GlobalAveragePooling3D,
  GlobalMaxPooling3D,
  MaxPooling3D,
} from '../../layers/pooling_3d.js';
import {
  Cropping1D,
  Cropping2D,
  UpSampling1D,
  UpSampling2D,
  ZeroPadding1D,
  ZeroPadding2D,
} from '../../layers/reshaping.js';
import { Cropping3D, UpSampling3D, ZeroPadding3D } from '../../layers/reshaping_3d.js';
import type { SymbolicTensor } from '../../layers/symbolic.js';
import { model as functionalModel } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { randomNormal, setSeed } from '../../ops/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import './convert_conv.js';
import './convert_norm.js';
import { OnnxExportError, onnxBytes } from './index.js';

/** A model applying each layer to the same input, each result an output of its own. */
function fanOut(shape: (number | null)[], layers: Layer[]) {
  const x = input({ shape });
  const outs = layers.map((l) => l.apply(x) as SymbolicTensor);
  return functionalModel({ inputs: x, outputs: outs });
}

/** Bias weights are zeros at first; random ones make a dropped bias show. */
function randomizeBiases(layers: Layer[]): void {
  for (const l of layers)
    for (const w of l.weights)
      if (w.weightName === 'bias') w.assign(randomNormal([...w.shape]) as Tensor);
}

async function check(shape: (number | null)[], layers: Layer[], x: Tensor): Promise<void> {
  const m = fanOut(shape, layers);
  randomizeBiases(layers);
  await expectOnnxMatchesPredict(m, x);
}

describe('exportOnnx: convolutions in ONNX Runtime equal predict', () => {
  it('the CNN zoo model: Conv2D → MaxPooling2D → Conv2D same → BatchNorm → GAP → Dense softmax', async () => {
    setSeed(10);
    const bn = new BatchNormalization();
    const m = new Sequential({
      layers: [
        new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 1] }),
        new MaxPooling2D(),
        new Conv2D({ filters: 16, kernelSize: 3, padding: 'same' }),
        bn,
        new GlobalAveragePooling2D(),
        new Dense({ units: 10, activation: 'softmax' }),
      ],
    });
    // Trained-looking statistics, so the normalization is not the identity.
    bn.movingMean!.assign(randomNormal([16]));
    bn.movingVariance!.assign(randomNormal([16]).abs().add(0.5));
    bn.gamma!.assign(randomNormal([16]));
    bn.beta!.assign(randomNormal([16]));
    await expectOnnxMatchesPredict(m, randomNormal([3, 12, 12, 1]));
  });

  it('Conv1D/2D/3D: strides, valid/same/causal, even kernels, dilation, groups, no bias, channelsFirst', async () => {
    setSeed(11);
    await check(
      [9, 8, 4],
      [
        new Conv2D({ filters: 3, kernelSize: 3 }),
        new Conv2D({ filters: 5, kernelSize: [2, 4], strides: [2, 3], padding: 'same' }),
        new Conv2D({ filters: 4, kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh' }),
        new Conv2D({ filters: 2, kernelSize: 3, dilationRate: [2, 1], padding: 'same' }),
        new Conv2D({ filters: 6, kernelSize: 2, groups: 2, padding: 'same', useBias: false }),
        new Conv2D({ filters: 4, kernelSize: 3, strides: 2, dataFormat: 'channelsFirst' }),
      ],
      randomNormal([2, 9, 8, 4]),
    );
    await check(
      [11, 3],
      [
        new Conv1D({ filters: 4, kernelSize: 4, strides: 3, padding: 'same' }),
        new Conv1D({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'causal' }),
        new Conv1D({ filters: 3, kernelSize: 2, activation: 'relu', useBias: false }),
      ],
      randomNormal([2, 11, 3]),
    );
    await check(
      [5, 6, 7, 2],
      [
        new Conv3D({ filters: 3, kernelSize: [2, 3, 2], strides: 2, padding: 'same' }),
        new Conv3D({ filters: 4, kernelSize: 2, groups: 2, activation: 'relu' }),
      ],
      randomNormal([2, 5, 6, 7, 2]),
    );
  });

  it('unknown spatial sizes: strided same padding resolves at run time', async () => {
    setSeed(12);
    await check(
      [null, null, 3],
      [
        new Conv2D({ filters: 2, kernelSize: 4, strides: 2, padding: 'same' }),
        new Conv2D({ filters: 2, kernelSize: 2, padding: 'same' }),
      ],
      randomNormal([2, 9, 6, 3]),
    );
  });

  it('a Conv2D shared by two inputs', async () => {
    setSeed(18);
    const shared = new Conv2D({ filters: 3, kernelSize: 2, strides: 2, padding: 'same' });
    const a = input({ shape: [5, 5, 2] });
    const b = input({ shape: [5, 5, 2] });
    const outs = [shared.apply(a), shared.apply(b)] as SymbolicTensor[];
    const m = functionalModel({ inputs: [a, b], outputs: outs });
    await expectOnnxMatchesPredict(m, [randomNormal([2, 5, 5, 2]), randomNormal([2, 5, 5, 2])]);
  });

  it('Conv1D/2D/3DTranspose: valid/same, strides above and below the kernel, outputPadding, dilation', async () => {
    setSeed(13);
    await check(
      [4, 5, 3],
      [
        new Conv2DTranspose({ filters: 2, kernelSize: 3 }),
        new Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
        new Conv2DTranspose({ filters: 2, kernelSize: [4, 2], strides: [2, 3], padding: 'same' }),
        new Conv2DTranspose({ filters: 2, kernelSize: 2, strides: 3 }),
        new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: 1 }),
        new Conv2DTranspose({
          filters: 2,
          kernelSize: 3,
          strides: 3,
          padding: 'same',
          outputPadding: [2, 0],
          activation: 'relu',
        }),
        new Conv2DTranspose({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same' }),
        new Conv2DTranspose({ filters: 2, kernelSize: 2, strides: 2, useBias: false }),
        new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, dataFormat: 'channelsFirst' }),
      ],
      randomNormal([2, 4, 5, 3]),
    );
    await check(
      [5, 3],
      [
        new Conv1DTranspose({ filters: 2, kernelSize: 4, strides: 2, padding: 'same' }),
        new Conv1DTranspose({ filters: 3, kernelSize: 3, strides: 2, outputPadding: 1 }),
      ],
      randomNormal([2, 5, 3]),
    );
    await check(
      [3, 4, 2, 2],
      [
        new Conv3DTranspose({ filters: 2, kernelSize: [2, 3, 3], strides: 2, padding: 'same' }),
        new Conv3DTranspose({ filters: 2, kernelSize: 2, strides: [1, 2, 3], outputPadding: 0 }),
      ],
      randomNormal([2, 3, 4, 2, 2]),
    );
  });

  it('DepthwiseConv1D/2D (depthMultiplier) and SeparableConv1D/2D', async () => {
    setSeed(14);
    await check(
      [7, 8, 3],
      [
        new DepthwiseConv2D({ kernelSize: 3 }),
        new DepthwiseConv2D({ kernelSize: 2, depthMultiplier: 2, strides: 2, padding: 'same' }),
        new DepthwiseConv2D({ kernelSize: 3, dilationRate: 2, activation: 'relu', useBias: false }),
        new SeparableConv2D({ filters: 4, kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
        new SeparableConv2D({ filters: 5, kernelSize: 2, strides: 2, activation: 'tanh' }),
      ],
      randomNormal([2, 7, 8, 3]),
    );
    await check(
      [9, 2],
      [
        new DepthwiseConv1D({ kernelSize: 4, depthMultiplier: 3, strides: 2, padding: 'same' }),
        new SeparableConv1D({ filters: 3, kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
      ],
      randomNormal([2, 9, 2]),
    );
  });
});

describe('exportOnnx: pooling, padding, cropping and upsampling in ONNX Runtime equal predict', () => {
  it('Max/AveragePooling1D/2D/3D: valid/same, strides apart from the pool (same averages leave padding out)', async () => {
    setSeed(15);
    await check(
      [7, 9, 3],
      [
        new MaxPooling2D(),
        new MaxPooling2D({ poolSize: [3, 2], strides: [2, 3], padding: 'same' }),
        new AveragePooling2D({ poolSize: 3, strides: 2 }),
        new AveragePooling2D({ poolSize: [2, 4], strides: 3, padding: 'same' }),
        new AveragePooling2D({ poolSize: 2, padding: 'same', dataFormat: 'channelsFirst' }),
      ],
      randomNormal([2, 7, 9, 3]),
    );
    await check(
      [9, 2],
      [
        new MaxPooling1D({ poolSize: 3, strides: 2, padding: 'same' }),
        new AveragePooling1D({ poolSize: 4, strides: 3, padding: 'same' }),
        new AveragePooling1D(),
      ],
      randomNormal([2, 9, 2]),
    );
    await check(
      [5, 4, 7, 2],
      [
        new MaxPooling3D({ poolSize: [2, 3, 2], padding: 'same' }),
        new AveragePooling3D({ poolSize: 2, strides: [1, 2, 3], padding: 'same' }),
        new AveragePooling3D(),
      ],
      randomNormal([2, 5, 4, 7, 2]),
    );
  });

  it('GlobalMax/AveragePooling1D/2D/3D, with keepdims and channelsFirst', async () => {
    setSeed(16);
    await check(
      [5, 3],
      [new GlobalMaxPooling1D(), new GlobalAveragePooling1D({ keepdims: true })],
      randomNormal([2, 5, 3]),
    );
    await check(
      [4, 5, 3],
      [
        new GlobalMaxPooling2D({ keepdims: true }),
        new GlobalAveragePooling2D(),
        new GlobalAveragePooling2D({ dataFormat: 'channelsFirst', keepdims: true }),
      ],
      randomNormal([2, 4, 5, 3]),
    );
    await check(
      [3, 4, 2, 3],
      [new GlobalMaxPooling3D(), new GlobalAveragePooling3D({ keepdims: true })],
      randomNormal([2, 3, 4, 2, 3]),
    );
  });

  it('ZeroPadding, Cropping and UpSampling 1D/2D/3D (nearest, and bilinear for 2D)', async () => {
    setSeed(17);
    await check(
      [6, 3],
      [
        new ZeroPadding1D({ padding: [1, 2] }),
        new Cropping1D({ cropping: [2, 0] }),
        new Cropping1D({ cropping: [1, 3] }),
        new UpSampling1D({ size: 3 }),
      ],
      randomNormal([2, 6, 3]),
    );
    await check(
      [5, 6, 2],
      [
        new ZeroPadding2D({
          padding: [
            [1, 0],
            [2, 3],
          ],
        }),
        new ZeroPadding2D({ padding: 1, dataFormat: 'channelsFirst' }),
        new Cropping2D({
          cropping: [
            [1, 2],
            [0, 1],
          ],
        }),
        new UpSampling2D({ size: [2, 3] }),
        new UpSampling2D({ size: [3, 2], interpolation: 'bilinear' }),
        new UpSampling2D({ dataFormat: 'channelsFirst' }),
      ],
      randomNormal([2, 5, 6, 2]),
    );
    await check(
      [3, 4, 5, 2],
      [
        new ZeroPadding3D({ padding: [1, 0, 2] }),
        new Cropping3D({ cropping: [[1, 0], 1, [0, 2]] }),
        new UpSampling3D({ size: [2, 1, 3] }),
      ],
      randomNormal([2, 3, 4, 5, 2]),
    );
  });
});

describe('exportOnnx refuses convolution options it cannot write, naming the layer', () => {
  it('a convolution with an activation that has no ONNX form', () => {
    registerActivation('onnx_conv_test_square', (x) => x.mul(x));
    const m = new Sequential({
      layers: [
        new Conv2D({
          filters: 2,
          kernelSize: 3,
          activation: 'onnx_conv_test_square',
          inputShape: [5, 5, 1],
          name: 'squared_conv',
        }),
      ],
    });
    expect(() => onnxBytes(m)).toThrow(OnnxExportError);
    expect(() => onnxBytes(m)).toThrow(/layer 'squared_conv' \(Conv2D\)/);
  });
});
