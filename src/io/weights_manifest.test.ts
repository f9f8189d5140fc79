import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import {
  type ModelPair,
  concatBytes,
  convPair,
  mlpPair,
  nestedPair,
  randomizeTess,
  randomizeTf,
  rnnPair,
  saveTf,
  tessInput,
  tfInput,
  tfPredict,
  weightBytes,
} from '../../test/helpers/tfjs_models.js';
import { TesseraError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import type { Tensor } from '../tensor/tensor.js';
import { FormatError } from './errors.js';
import {
  type NamedWeight,
  type WeightsManifest,
  collectTfjsWeights,
  decodeManifestWeights,
  encodeManifestWeights,
  float16ToNumber,
  loadTfjsWeights,
  parseWeightsManifest,
  tfjsWeightNames,
} from './weights_manifest.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const PAIRS: [string, () => ModelPair][] = [
  ['Dense MLP', mlpPair],
  ['Embedding/LSTM/GRU/SimpleRNN/TimeDistributed/Bidirectional', rnnPair],
  ['Conv2D/BatchNorm/Depthwise/Separable/Conv2DTranspose/LayerNorm', convPair],
  ['Sequential nested in a functional model', nestedPair],
];

function f32(values: number[], shape: number[], name = 'w'): NamedWeight {
  return { name, shape, dtype: 'float32', group: 'model', values: Float32Array.from(values) };
}

describe('TF.js weight names', () => {
  it.each(PAIRS)('match what tfjs-layers writes, in order, for %s', async (_, make) => {
    const p = make();
    const art = await saveTf(p.tf);
    const ours = collectTfjsWeights(p.tess).map((w) => `${w.name} [${w.shape}] ${w.dtype}`);
    const theirs = art.weightSpecs!.map((s) => `${s.name} [${s.shape}] ${s.dtype}`);
    expect(ours).toEqual(theirs);
  });

  it('names RNN weights without the cell, Bidirectional with the direction', () => {
    const p = rnnPair();
    const names = [...tfjsWeightNames(p.tess).values()];
    expect(names).toContain('lstm/recurrent_kernel');
    expect(names).toContain('gru/bias');
    expect(names).toContain('td/kernel');
    expect(names).toContain('bi/forward_bl/kernel');
    expect(names).toContain('bi/backward_bl/recurrent_kernel');
    // Tessera's own paths keep the cell.
    expect(p.tess.weights.map((w) => w.name)).toContain('lstm/lstm_cell/recurrent_kernel');
  });

  it.each(PAIRS)('TF.js → Tessera: weights saved by tfjs load by name (%s)', async (_, make) => {
    const p = make();
    randomizeTf(p.tf, 101);
    const art = await saveTf(p.tf);
    const manifest: WeightsManifest = [
      { paths: ['weights.bin'], weights: art.weightSpecs as never },
    ];
    const report = loadTfjsWeights(p.tess, parseWeightsManifest(manifest), weightBytes(art));
    expect(report.unused).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.assigned.length).toBe(p.tess.weights.length);
    const ours = (p.tess.predict(tessInput(p)) as Tensor).dataSync();
    expectClose(ours, tfPredict(p.tf, tfInput(p)), { rtol: 1e-5, atol: 1e-6 });
  });

  it.each(PAIRS)('Tessera → TF.js: encoded weights load in tfjs (%s)', (_, make) => {
    const p = make();
    randomizeTess(p.tess, 202);
    const { group, shards } = encodeManifestWeights(collectTfjsWeights(p.tess), {
      shardBytes: 100,
    });
    expect(shards.length).toBeGreaterThan(1);
    const bytes = concatBytes(shards.map((s) => s.data));
    const named = tf.io.decodeWeights(
      bytes.slice().buffer,
      group.weights as tf.io.WeightsManifestEntry[],
    );
    p.tf.loadWeights(named, true);
    const ours = (p.tess.predict(tessInput(p)) as Tensor).dataSync();
    expectClose(ours, tfPredict(p.tf, tfInput(p)), { rtol: 1e-5, atol: 1e-6 });
  });

  it('refuses two weights that would get the same name', () => {
    const m = new Sequential({
      layers: [
        new Dense({ name: 'd', units: 2, inputShape: [2] }),
        new Dense({ name: 'd', units: 2 }),
      ],
    });
    expect(() => collectTfjsWeights(m)).toThrow(/two weights would be saved as 'd\/kernel'/);
  });
});

describe('encodeManifestWeights / decodeManifestWeights', () => {
  const ws: NamedWeight[] = [
    f32([1, 2, 3, 4, 5, 6], [2, 3], 'a/kernel'),
    { name: 'a/count', shape: [2], dtype: 'int32', group: 'model', values: Int32Array.of(-7, 9) },
    f32([0.5], [], 'a/scalar'),
    { name: 'iter', shape: [], dtype: 'int32', group: 'optimizer', values: Int32Array.of(3) },
  ];

  it('round-trips values, dtypes and groups; bytes are little-endian in order', () => {
    const { group, shards } = encodeManifestWeights(ws);
    expect(group.paths).toEqual(['group1-shard1of1.bin']);
    expect(group.weights.map((e) => e.group ?? 'model')).toEqual([
      'model',
      'model',
      'model',
      'optimizer',
    ]);
    expect(shards[0]!.data.length).toBe(6 * 4 + 2 * 4 + 4 + 4);
    const dv = new DataView(shards[0]!.data.buffer);
    expect(dv.getFloat32(4, true)).toBe(2);
    expect(dv.getInt32(24, true)).toBe(-7);
    const back = decodeManifestWeights([group], shards[0]!.data);
    expect(back.map((w) => [w.name, w.dtype, w.group, [...w.shape], [...w.values]])).toEqual(
      ws.map((w) => [w.name, w.dtype, w.group, [...w.shape], [...w.values]]),
    );
  });

  it('cuts shards every shardBytes (tensors straddle shards) and reads them back', () => {
    const { group, shards } = encodeManifestWeights(ws, { shardBytes: 7 });
    expect(shards.length).toBe(Math.ceil(40 / 7));
    expect(shards.map((s) => s.data.length)).toEqual([7, 7, 7, 7, 7, 5]);
    expect(group.paths[0]).toBe('group1-shard1of6.bin');
    const viaArray = decodeManifestWeights(
      [group],
      shards.map((s) => s.data),
    );
    const byPath = new Map(shards.map((s) => [s.path, s.data]));
    const viaFn = decodeManifestWeights([group], (p) => byPath.get(p)!);
    const viaOne = decodeManifestWeights([group], concatBytes(shards.map((s) => s.data)));
    for (const r of [viaArray, viaFn, viaOne])
      expect([...r[0]!.values]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...viaArray[1]!.values]).toEqual([-7, 9]);
  });

  it('decodes groups of a multi-group manifest from their own shards', () => {
    const a = encodeManifestWeights([ws[0]!], { shardPath: (i) => `a${i}.bin`, shardBytes: 10 });
    const b = encodeManifestWeights([ws[1]!], { shardPath: (i) => `b${i}.bin` });
    const out = decodeManifestWeights(
      [a.group, b.group],
      [...a.shards, ...b.shards].map((s) => s.data),
    );
    expect(out.map((w) => w.name)).toEqual(['a/kernel', 'a/count']);
    expect([...out[1]!.values]).toEqual([-7, 9]);
  });

  it('writes no shard for a model without weights', () => {
    const { group, shards } = encodeManifestWeights([]);
    expect(shards).toEqual([]);
    expect(decodeManifestWeights([group], new Uint8Array(0))).toEqual([]);
  });

  it('dequantizes uint8 / uint16 (code·scale + min) and float16 as TF.js', () => {
    const manifest = parseWeightsManifest([
      {
        paths: ['q.bin'],
        weights: [
          {
            name: 'u8',
            shape: [3],
            dtype: 'float32',
            quantization: { dtype: 'uint8', scale: 0.5, min: -1 },
          },
          {
            name: 'u16',
            shape: [2],
            dtype: 'float32',
            quantization: { dtype: 'uint16', scale: 0.25, min: 2 },
          },
          {
            name: 'i8',
            shape: [2],
            dtype: 'int32',
            quantization: { dtype: 'uint8', scale: 0.3, min: 0 },
          },
          { name: 'f16', shape: [4], dtype: 'float32', quantization: { dtype: 'float16' } },
        ],
      },
    ]);
    const bytes = new Uint8Array(3 + 4 + 2 + 8);
    bytes.set([0, 2, 255], 0);
    const dv = new DataView(bytes.buffer);
    dv.setUint16(3, 4, true);
    dv.setUint16(5, 1000, true);
    bytes.set([5, 10], 7);
    [0x3c00, 0xc000, 0x3555, 0x0001].forEach((h, i) => dv.setUint16(9 + 2 * i, h, true));
    const [u8, u16, i8, f16] = decodeManifestWeights(manifest, bytes);
    expect([...u8!.values]).toEqual([-1, 0, 126.5]);
    expect(u8!.values).toBeInstanceOf(Float32Array);
    expect([...u16!.values]).toEqual([3, 252]);
    expect([...i8!.values]).toEqual([2, 3]);
    expect(i8!.values).toBeInstanceOf(Int32Array);
    expect(f16!.values[0]).toBe(1);
    expect(f16!.values[1]).toBe(-2);
    expect(f16!.values[2]).toBeCloseTo(1 / 3, 3);
    expect(f16!.values[3]).toBe(Math.fround(2 ** -24));
    // Same results as tfjs's own decoder.
    const theirs = tf.io.decodeWeights(bytes.slice().buffer, manifest[0]!.weights as never);
    for (const w of [u8!, u16!, i8!, f16!])
      expect([...w.values]).toEqual([...theirs[w.name]!.dataSync()]);
  });

  it('float16 special values', () => {
    expect(float16ToNumber(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(float16ToNumber(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(float16ToNumber(0x7e00)).toBeNaN();
    expect(float16ToNumber(0x7bff)).toBe(65504);
    expect(Object.is(float16ToNumber(0x8000), -0)).toBe(true);
  });
});

describe('bad manifests and data', () => {
  const good = () => [
    {
      paths: ['w.bin'],
      weights: [
        { name: 'd/kernel', shape: [2, 2], dtype: 'float32' },
        { name: 'd/bias', shape: [2], dtype: 'float32' },
      ],
    },
  ];

  it.each([
    ['not an array', {}, /must be an array/],
    ['a group without paths', [{ weights: [] }], /paths must be an array of strings/],
    ['a group without weights', [{ paths: [] }], /weights must be an array/],
    [
      'an entry without a name',
      [{ paths: [], weights: [{ shape: [1], dtype: 'float32' }] }],
      /has no name/,
    ],
    [
      'a non-array shape',
      [{ paths: [], weights: [{ name: 'w', shape: 3, dtype: 'float32' }] }],
      /'w'\) has no shape/,
    ],
    [
      'a negative dim',
      [{ paths: [], weights: [{ name: 'w', shape: [2, -1], dtype: 'float32' }] }],
      /'w'\) has an invalid shape \[2,-1\]/,
    ],
    [
      'a fractional dim',
      [{ paths: [], weights: [{ name: 'w', shape: [1.5], dtype: 'float32' }] }],
      /invalid shape/,
    ],
    [
      'a string dim',
      [{ paths: [], weights: [{ name: 'w', shape: ['2'], dtype: 'float32' }] }],
      /invalid shape/,
    ],
    [
      'an unknown dtype',
      [{ paths: [], weights: [{ name: 'w', shape: [1], dtype: 'float64' }] }],
      /unknown dtype "float64"/,
    ],
    [
      'dtype string',
      [{ paths: [], weights: [{ name: 'w', shape: [1], dtype: 'string' }] }],
      /dtype 'string', which Tessera cannot load/,
    ],
    [
      'dtype complex64',
      [{ paths: [], weights: [{ name: 'w', shape: [1], dtype: 'complex64' }] }],
      /complex64/,
    ],
    [
      'an unknown group',
      [{ paths: [], weights: [{ name: 'w', shape: [1], dtype: 'float32', group: 'x' }] }],
      /unknown group/,
    ],
    [
      'uint8 quantization without scale',
      [
        {
          paths: [],
          weights: [
            { name: 'w', shape: [1], dtype: 'float32', quantization: { dtype: 'uint8', min: 0 } },
          ],
        },
      ],
      /no finite quantization.scale/,
    ],
    [
      'float16 quantization of int32',
      [
        {
          paths: [],
          weights: [{ name: 'w', shape: [1], dtype: 'int32', quantization: { dtype: 'float16' } }],
        },
      ],
      /only applies to float32/,
    ],
    [
      'an unknown quantization',
      [
        {
          paths: [],
          weights: [{ name: 'w', shape: [1], dtype: 'float32', quantization: { dtype: 'int4' } }],
        },
      ],
      /unknown quantization dtype/,
    ],
    [
      'a 2^40-element shape that overflows a byte count',
      [
        {
          paths: [],
          weights: [{ name: 'w', shape: [2 ** 20, 2 ** 20, 2 ** 20], dtype: 'float32' }],
        },
      ],
      /impossibly large shape/,
    ],
  ])('refuses %s', (_, manifest, msg) => {
    expect(() => parseWeightsManifest(manifest)).toThrow(FormatError);
    expect(() => parseWeightsManifest(manifest)).toThrow(msg);
  });

  it('refuses a huge declared shape (2^40 elements) against small data without allocating', () => {
    const m = parseWeightsManifest([
      { paths: ['w.bin'], weights: [{ name: 'w', shape: [2 ** 20, 2 ** 20], dtype: 'float32' }] },
    ]);
    expect(() => decodeManifestWeights(m, new Uint8Array(16))).toThrow(
      /declares 4398046511104 bytes of weights \(1 entries\) but the weight data has only 16 bytes/,
    );
  });

  it('refuses truncated and oversized data', () => {
    const m = parseWeightsManifest(good());
    expect(() => decodeManifestWeights(m, new Uint8Array(23))).toThrow(
      /24 bytes.*only 23 bytes: the data is truncated/,
    );
    expect(() => decodeManifestWeights(m, new Uint8Array(25))).toThrow(
      /has 25 bytes \(1 byte too many\)/,
    );
  });

  it('refuses shard lists whose sizes do not add up', () => {
    const m = parseWeightsManifest([{ ...good()[0]!, paths: ['a.bin', 'b.bin'] }]);
    expect(() => decodeManifestWeights(m, [new Uint8Array(16)])).toThrow(
      /lists 2 shard paths .* but 1 shard arrays/,
    );
    expect(() => decodeManifestWeights(m, [new Uint8Array(16), new Uint8Array(4)])).toThrow(
      /declares 24 bytes \(2 entries\) but its shards hold 20 bytes \('a.bin' 16, 'b.bin' 4\): a shard is truncated/,
    );
    expect(() => decodeManifestWeights(m, [new Uint8Array(16), new Uint8Array(16)])).toThrow(
      /hold 32 bytes/,
    );
    expect(() => decodeManifestWeights(m, () => 'nope' as never)).toThrow(
      /returned "nope" for shard 'a.bin'/,
    );
    expect(() =>
      decodeManifestWeights(m, () => {
        throw new Error('ENOENT');
      }),
    ).toThrow(/cannot read weight shard 'a.bin': ENOENT/);
    expect(() => decodeManifestWeights(m, 42 as never)).toThrow(FormatError);
  });

  it('refuses wrong shapes naming the layer, the weight and both shapes', () => {
    const model = new Sequential({ layers: [new Dense({ name: 'd', units: 2, inputShape: [3] })] });
    const m = parseWeightsManifest([
      {
        paths: ['w.bin'],
        weights: [
          { name: 'd/kernel', shape: [2, 2], dtype: 'float32' },
          { name: 'd/bias', shape: [2], dtype: 'float32' },
        ],
      },
    ]);
    expect(() => loadTfjsWeights(model, m, new Uint8Array(24))).toThrow(
      "layer 'd' weight 'kernel' has shape [3, 2] in the model but the manifest entry 'd/kernel' has shape [2, 2]",
    );
  });

  it('reports unmatched entries and unset weights (strict), or returns them (not strict)', () => {
    const model = new Sequential({ layers: [new Dense({ name: 'd', units: 2, inputShape: [2] })] });
    const m = parseWeightsManifest([
      {
        paths: ['w.bin'],
        weights: [
          { name: 'd/kernel', shape: [2, 2], dtype: 'float32' },
          { name: 'x/bias', shape: [2], dtype: 'float32' },
        ],
      },
    ]);
    const data = new Uint8Array(24);
    expect(() => loadTfjsWeights(model, m, data)).toThrow(
      /1 manifest entry matches no weight of model '.*': 'x\/bias'. The model's weights are 'd\/kernel', 'd\/bias'/,
    );
    const m2 = parseWeightsManifest([
      { paths: ['w.bin'], weights: [{ name: 'd/kernel', shape: [2, 2], dtype: 'float32' }] },
    ]);
    expect(() => loadTfjsWeights(model, m2, new Uint8Array(16))).toThrow(
      /1 of 2 weights of model '.*' are not in the manifest: 'd\/bias'/,
    );
    const before = [...model.weights[1]!.dataSync()];
    const r = loadTfjsWeights(model, m, data, { strict: false });
    expect(r.unused).toEqual(['x/bias']);
    expect(r.missing).toEqual(['d/bias']);
    expect([...model.weights[1]!.dataSync()]).toEqual(before);
  });

  it('accepts TF 2.2 cell names, ":0" suffixes and Tessera paths; refuses duplicates', () => {
    const p = rnnPair();
    const names = collectTfjsWeights(p.tess);
    const alias = (n: string) =>
      n === 'lstm/kernel'
        ? 'lstm/lstm_cell/kernel'
        : n === 'lstm/bias'
          ? 'lstm/bias:0'
          : n === 'gru/bias'
            ? 'gru/gru_cell/bias'
            : n;
    const { group, shards } = encodeManifestWeights(
      names.map((w) => ({ ...w, name: alias(w.name) })),
    );
    const r = loadTfjsWeights(
      p.tess,
      [group],
      shards.map((s) => s.data),
    );
    expect(r.assigned).toContain('lstm/lstm_cell/kernel');
    expect(r.assigned).toContain('lstm/bias:0');
    const dup = encodeManifestWeights([...names, { ...names[0]!, name: 'emb/embeddings:0' }]);
    expect(() =>
      loadTfjsWeights(
        p.tess,
        [dup.group],
        dup.shards.map((s) => s.data),
      ),
    ).toThrow(
      /entries 'emb\/embeddings' and 'emb\/embeddings:0' both name weight 'emb\/embeddings'/,
    );
    const twice = encodeManifestWeights([...names, names[0]!]);
    expect(() =>
      loadTfjsWeights(
        p.tess,
        [twice.group],
        twice.shards.map((s) => s.data),
      ),
    ).toThrow(/lists weight 'emb\/embeddings' twice/);
  });

  it('leaves the model untouched when anything is wrong', () => {
    const model = new Sequential({ layers: [new Dense({ name: 'd', units: 2, inputShape: [2] })] });
    const before = model.getWeights().map((w) => [...w.dataSync()]);
    const m = parseWeightsManifest([
      {
        paths: ['w.bin'],
        weights: [
          { name: 'd/kernel', shape: [2, 2], dtype: 'float32' },
          { name: 'd/bias', shape: [3], dtype: 'float32' },
        ],
      },
    ]);
    expect(() => loadTfjsWeights(model, m, new Uint8Array(28).fill(1))).toThrow(TesseraError);
    expect(model.getWeights().map((w) => [...w.dataSync()])).toEqual(before);
  });
});
