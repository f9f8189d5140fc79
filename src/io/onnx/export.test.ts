/**
 * ONNX export of the core layers and of model structure (Sequential, functional with several
 * inputs and outputs, shared layers, nested models), checked by running the exported bytes in
 * ONNX Runtime (onnxruntime-node) against `model.predict`; refusals name the layer.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOnnxMatchesPredict, runOnnx } from '../../../test/helpers/onnx_runtime.js';
import { registerActivation } from '../../activations.js';
import {
  Activation,
  Dense,
  Dropout,
  Embedding,
  Flatten,
  GlobalAveragePooling1D,
  Permute,
  RepeatVector,
  Reshape,
  Softmax,
} from '../../layers/index.js';
import { input } from '../../layers/input_layer.js';
import { Lambda, registerLambda } from '../../layers/lambda.js';
import { Layer } from '../../layers/layer.js';
import {
  Add,
  Average,
  Concatenate,
  Dot,
  Maximum,
  Minimum,
  Multiply,
  Subtract,
} from '../../layers/merge.js';
import { model as functionalModel } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { randomNormal, setSeed } from '../../ops/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { OnnxExportError, exportOnnx, onnxBytes, registerOnnxConverter } from './index.js';
import { ProtoWriter } from './protobuf.js';

describe('ProtoWriter (the wire format, hand-derived)', () => {
  it('writes varints, negative int64s, floats, strings and packed fields as protobuf does', () => {
    // Field 1 varint 150 → 08 96 01 (protobuf's documentation example).
    expect([...new ProtoWriter().int(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]);
    // −1 as int64: ten bytes, 0xff…0x01.
    expect([...new ProtoWriter().int(2, -1).finish()]).toEqual([
      0x10,
      ...Array(9).fill(0xff),
      0x01,
    ]);
    // Field 2 string "ab" → 12 02 61 62.
    expect([...new ProtoWriter().string(2, 'ab').finish()]).toEqual([0x12, 2, 0x61, 0x62]);
    // Field 3 float 1.0 → 1d 00 00 80 3f.
    expect([...new ProtoWriter().float(3, 1).finish()]).toEqual([0x1d, 0, 0, 0x80, 0x3f]);
    // Packed [3, 270] in field 4 → 22 03 03 8e 02.
    expect([...new ProtoWriter().packedInts(4, [3, 270]).finish()]).toEqual([0x22, 3, 3, 0x8e, 2]);
    expect(() => new ProtoWriter().int(1, 0.5)).toThrow(RangeError);
  });
});

describe('exportOnnx: core layers in ONNX Runtime equal predict', () => {
  it('every built-in activation, each as an output of its own, and a softmax Dense', async () => {
    setSeed(1);
    const acts = [
      'relu',
      'sigmoid',
      'tanh',
      'relu6',
      'leakyRelu',
      'elu',
      'selu',
      'gelu',
      'silu',
      'softplus',
      'softsign',
      'hardSigmoid',
      'hardSigmoidKeras2',
      'exponential',
      'mish',
      'linear',
    ];
    const x = input({ shape: [5] });
    const h = new Dense({ units: 8 }).apply(x) as never;
    const outs = acts.map((a) => new Activation({ activation: a as never }).apply(h));
    outs.push(new Dense({ units: 4, activation: 'softmax' }).apply(h));
    const m = functionalModel({ inputs: x, outputs: outs as never });
    // Wide inputs reach every piece of the piecewise activations.
    await expectOnnxMatchesPredict(m, randomNormal([7, 5]).mul(4));
  });

  it('Dense on rank 3, Dropout, Activation, Flatten, Reshape, Permute, RepeatVector, no bias', async () => {
    setSeed(2);
    const m = new Sequential({
      layers: [
        new Dense({ units: 6, useBias: false, inputShape: [4, 3] }),
        new Dropout({ rate: 0.5 }),
        new Activation({ activation: 'tanh' }),
        new Permute({ dims: [2, 1] }),
        new Reshape({ targetShape: [3, -1] }),
        new Flatten(),
        new RepeatVector({ n: 3 }),
        new Dense({ units: 2 }),
      ],
    });
    await expectOnnxMatchesPredict(m, randomNormal([5, 4, 3]));
  });

  it('merges, two inputs and two outputs, a shared layer and a nested model', async () => {
    setSeed(3);
    const a = input({ shape: [6], name: 'left' });
    const b = input({ shape: [6], name: 'right' });
    const shared = new Dense({ units: 6, activation: 'tanh' });
    const sa = shared.apply(a) as never;
    const sb = shared.apply(b) as never;
    const inner = new Sequential({
      layers: [new Dense({ units: 6, inputShape: [6] }), new Activation({ activation: 'relu' })],
    });
    const merged = [
      new Add().apply([sa, sb]),
      new Subtract().apply([sa, sb]),
      new Multiply().apply([sa, sb, sa]),
      new Average().apply([sa, sb]),
      new Maximum().apply([sa, sb]),
      new Minimum().apply([sa, sb]),
      new Dot({ axes: 1 }).apply([sa, sb]),
      new Dot({ axes: 1, normalize: true }).apply([sa, sb]),
      inner.apply(sa),
    ] as never[];
    const cat = new Concatenate().apply(merged) as never;
    const out1 = new Dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(cat);
    const out2 = new Dense({ units: 1, name: 'score' }).apply(cat);
    const m = functionalModel({ inputs: [a, b], outputs: [out1 as never, out2 as never] });
    await expectOnnxMatchesPredict(m, [randomNormal([4, 6]), randomNormal([4, 6])]);
    // A shared layer's weights are written once.
    const bytes = onnxBytes(m);
    const kernel = new Uint8Array(new Float32Array(shared.weights[0]!.dataSync()).buffer);
    expect(countOccurrences(bytes, kernel.subarray(0, 64))).toBe(1);
  });

  it('writes a file (and the same bytes as onnxBytes), with a symbolic batch axis', async () => {
    setSeed(4);
    const m = new Sequential({ layers: [new Dense({ units: 3, inputShape: [2] })] });
    const dir = mkdtempSync(join(tmpdir(), 'tessera-onnx-'));
    try {
      await exportOnnx(m, join(dir, 'm.onnx'));
      const bytes = new Uint8Array(readFileSync(join(dir, 'm.onnx')));
      expect(bytes).toEqual(onnxBytes(m));
      for (const n of [1, 9]) {
        const x = randomNormal([n, 2]);
        const [got] = await runOnnx(bytes, [x]);
        expect(got!.dims).toEqual([n, 3]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('exportOnnx refuses what it cannot write, naming the layer', () => {
  it('a layer class without a converter, a custom activation, an unbuilt model', () => {
    registerLambda('onnx_test_double', (x) => (x as Tensor).mul(2));
    const m = new Sequential({
      layers: [
        new Dense({ units: 2, inputShape: [2] }),
        new Lambda({ function: 'onnx_test_double' } as never),
      ],
    });
    expect(() => onnxBytes(m)).toThrow(OnnxExportError);
    expect(() => onnxBytes(m)).toThrow(/layer 'lambda.*' \(Lambda\) has no ONNX form/);
    expect(() => onnxBytes(new Sequential())).toThrow(/has no graph yet/);
    registerActivation('onnx_test_cube', (x) => x.mul(x).mul(x));
    const c = new Sequential({
      layers: [
        new Dense({ units: 2, inputShape: [2], activation: 'onnx_test_cube', name: 'cubed' }),
      ],
    });
    expect(() => onnxBytes(c)).toThrow(
      /layer 'cubed' \(Dense\): activation "onnx_test_cube" has no ONNX export/,
    );
  });

  it('a node pinned to training mode, and a mask reaching Softmax', () => {
    const x = input({ shape: [4] });
    const y = new Dropout({ rate: 0.5, name: 'mc_dropout' }).apply(x, { training: true });
    expect(() => onnxBytes(functionalModel({ inputs: x, outputs: y as never }))).toThrow(
      /layer 'mc_dropout' \(Dropout\) is called with training: true/,
    );
    const ids = input({ shape: [5], dtype: 'int32' });
    const e = new Embedding({ inputDim: 10, outputDim: 5, maskZero: true }).apply(ids);
    const p = new Softmax({ name: 'masked_softmax' }).apply(e);
    expect(() => onnxBytes(functionalModel({ inputs: ids, outputs: p as never }))).toThrow(
      /layer 'masked_softmax' \(Softmax\): an input mask/,
    );
    const g = new GlobalAveragePooling1D({ name: 'masked_mean' }).apply(e);
    expect(() => onnxBytes(functionalModel({ inputs: ids, outputs: g as never }))).toThrow(
      /layer 'masked_mean' \(GlobalAveragePooling1D\): an input mask/,
    );
  });

  it('a registered converter makes a custom layer exportable', async () => {
    class OnnxTestDouble extends Layer {
      static override readonly className = 'OnnxTestDouble';
      override call(x: Tensor | Tensor[]): Tensor {
        return (x as Tensor).mul(2);
      }
    }
    registerOnnxConverter('OnnxTestDouble', (c) => [
      c.op1('Mul', [c.inputs[0]!, c.constFloat([2], [])]),
    ]);
    const m = new Sequential({
      layers: [new Dense({ units: 2, inputShape: [2] }), new OnnxTestDouble()],
    });
    await expectOnnxMatchesPredict(m, randomNormal([3, 2]));
  });
});

function countOccurrences(hay: Uint8Array, needle: Uint8Array): number {
  let n = 0;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    n++;
  }
  return n;
}
