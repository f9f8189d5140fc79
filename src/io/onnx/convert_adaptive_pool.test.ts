/**
 * ONNX export of the adaptive pooling layers, checked by running the exported bytes in ONNX
 * Runtime against `model.predict`: sizes that divide evenly (one AveragePool/MaxPool), sizes
 * that do not (a Slice and a reduction per bin), outputs larger than the input, both data
 * formats, 1-D, 2-D and 3-D; and the refusal of unknown spatial sizes.
 */
import { describe, expect, it } from 'vitest';
import { expectOnnxMatchesPredict } from '../../../test/helpers/onnx_runtime.js';
import { Dense } from '../../layers/dense.js';
import { input } from '../../layers/input_layer.js';
import type { Layer } from '../../layers/layer.js';
import {
  AdaptiveAveragePooling1D,
  AdaptiveAveragePooling2D,
  AdaptiveAveragePooling3D,
  AdaptiveMaxPooling1D,
  AdaptiveMaxPooling2D,
  AdaptiveMaxPooling3D,
} from '../../layers/pooling_adaptive.js';
import type { SymbolicTensor } from '../../layers/symbolic.js';
import { model as functionalModel } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { randomNormal, setSeed } from '../../ops/random.js';
import './convert_adaptive_pool.js';
import './convert_core.js';
import { OnnxExportError, onnxBytes } from './index.js';

/** A model applying each layer to the same input, each result an output of its own. */
function fanOut(shape: (number | null)[], layers: Layer[]) {
  const x = input({ shape });
  const outs = layers.map((l) => l.apply(x) as SymbolicTensor);
  return functionalModel({ inputs: x, outputs: outs });
}

/** The ONNX operator types in exported bytes (their names appear verbatim in the protobuf). */
function hasOp(bytes: Uint8Array, opType: string): boolean {
  return Buffer.from(bytes).includes(Buffer.from(opType));
}

describe('exportOnnx: adaptive pooling in ONNX Runtime equals predict', () => {
  it('2-D: divisible (one pool), not divisible (slices), out > in, out == in, channelsFirst', async () => {
    setSeed(31);
    const m = fanOut(
      [8, 6, 3],
      [
        new AdaptiveAveragePooling2D({ outputSize: [4, 3] }),
        new AdaptiveMaxPooling2D({ outputSize: [2, 2] }),
        new AdaptiveAveragePooling2D({ outputSize: [3, 4] }),
        new AdaptiveMaxPooling2D({ outputSize: [5, 4] }),
        new AdaptiveAveragePooling2D({ outputSize: [11, 6] }),
        new AdaptiveMaxPooling2D({ outputSize: [8, 6] }),
        new AdaptiveAveragePooling2D({ outputSize: 1 }),
        new AdaptiveMaxPooling2D({ outputSize: [3, 2], dataFormat: 'channelsFirst' }),
        new AdaptiveAveragePooling2D({ outputSize: [4, 2], dataFormat: 'channelsFirst' }),
      ],
    );
    await expectOnnxMatchesPredict(m, randomNormal([2, 8, 6, 3]));
  });

  it('1-D and 3-D, both data formats', async () => {
    setSeed(32);
    await expectOnnxMatchesPredict(
      fanOut(
        [10, 4],
        [
          new AdaptiveAveragePooling1D({ outputSize: 4 }),
          new AdaptiveMaxPooling1D({ outputSize: 5 }),
          new AdaptiveMaxPooling1D({ outputSize: 3, dataFormat: 'channelsFirst' }),
          new AdaptiveAveragePooling1D({ outputSize: 13 }),
        ],
      ),
      randomNormal([3, 10, 4]),
    );
    await expectOnnxMatchesPredict(
      fanOut(
        [4, 5, 6, 2],
        [
          new AdaptiveAveragePooling3D({ outputSize: [2, 1, 3] }),
          new AdaptiveMaxPooling3D({ outputSize: [3, 2, 4] }),
          new AdaptiveAveragePooling3D({ outputSize: 2, dataFormat: 'channelsFirst' }),
          new AdaptiveMaxPooling3D({ outputSize: [1, 5, 3], dataFormat: 'channelsFirst' }),
        ],
      ),
      randomNormal([2, 4, 5, 6, 2]),
    );
  });

  it('emits AveragePool/MaxPool only where every axis divides evenly', () => {
    const even = onnxBytes(
      fanOut([8, 6, 3], [new AdaptiveAveragePooling2D({ outputSize: [4, 3] })]),
    );
    expect(hasOp(even, 'AveragePool')).toBe(true);
    expect(hasOp(even, 'Slice')).toBe(false);
    const uneven = onnxBytes(fanOut([7, 6, 3], [new AdaptiveMaxPooling2D({ outputSize: [3, 3] })]));
    expect(hasOp(uneven, 'MaxPool')).toBe(false);
    expect(hasOp(uneven, 'ReduceMax')).toBe(true);
    expect(hasOp(uneven, 'Concat')).toBe(true);
  });

  it('inside a model: adaptive pool → Dense, unknown batch', async () => {
    setSeed(33);
    const m = new Sequential({
      layers: [
        new AdaptiveAveragePooling2D({ outputSize: [3, 2], inputShape: [7, 5, 2] }),
        new AdaptiveMaxPooling2D({ outputSize: 1 }),
        new Dense({ units: 3 }),
      ],
    });
    await expectOnnxMatchesPredict(m, randomNormal([4, 7, 5, 2]));
  });

  it('refuses unknown spatial sizes, naming the layer', () => {
    const m = fanOut(
      [null, 6, 3],
      [new AdaptiveAveragePooling2D({ outputSize: 2, name: 'adaptive' })],
    );
    expect(() => onnxBytes(m)).toThrow(OnnxExportError);
    expect(() => onnxBytes(m)).toThrow(
      /layer 'adaptive' \(AdaptiveAveragePooling2D\): adaptive pooling of an input whose spatial sizes are unknown/,
    );
  });
});
