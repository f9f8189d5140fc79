import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import {
  type ModelPair,
  concatBytes,
  convPair,
  mlpPair,
  nestedPair,
  rand,
  randomizeTess,
  randomizeTf,
  rnnPair,
  saveTf,
  tessInput,
  tfPredict,
  weightBytes,
} from '../../test/helpers/tfjs_models.js';
import { Dense } from '../layers/dense.js';
import { GRU } from '../layers/rnn/gru.js';
import { LSTM } from '../layers/rnn/lstm.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { add, clip, mul } from '../ops/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';
import { FormatError } from './errors.js';
import { writeLegacyH5 } from './keras_weights.js';
import {
  loadModelFromBytes,
  loadTfjsModelFromBytes,
  modelToKerasBytes,
  modelToTfjs,
} from './save_load.js';
import { decodeTfjsModel } from './tfjs_format.js';

function predict(m: Model, x: Tensor): number[] {
  return [...(m.predict(x) as Tensor).dataSync()];
}

const PAIRS: [string, () => ModelPair][] = [
  ['Dense MLP', mlpPair],
  ['Embedding/LSTM/GRU/SimpleRNN/TimeDistributed/Bidirectional', rnnPair],
  ['Conv2D/BatchNorm/pooling/separable/transpose', convPair],
  ['nested models', nestedPair],
];

/** An LSTM with TF.js's default recurrent activation and a Dense with hard sigmoid. */
function hardSigmoidTfModel(): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.lstm({ name: 'lstm', units: 4, inputShape: [5, 3] }),
      tf.layers.dense({ name: 'out', units: 3, activation: 'hardSigmoid' }),
    ],
  });
  randomizeTf(m, 41);
  return m;
}

describe('modelToTfjs → loadTfjsModelFromBytes, unchanged', () => {
  it.each(PAIRS)('%s: same weights and bit-identical predictions', (_, make) => {
    const p = make();
    randomizeTess(p.tess, 77);
    const enc = modelToTfjs(p.tess, { shardBytes: 128 });
    expect(enc.shards.length).toBeGreaterThan(1);
    const back = loadTfjsModelFromBytes(enc.modelJson, enc.shards);
    expect(back.weights.map((w) => w.name)).toEqual(p.tess.weights.map((w) => w.name));
    back.weights.forEach((w, i) => {
      expect([...w.dataSync()]).toEqual([...p.tess.weights[i]!.dataSync()]);
    });
    expect(predict(back, tessInput(p))).toEqual(predict(p.tess, tessInput(p)));
  });

  it('matches shards by path, in any order, and through a JSON round trip of model.json', () => {
    const p = mlpPair();
    randomizeTess(p.tess, 78);
    const enc = modelToTfjs(p.tess, { shardBytes: 64 });
    const json = JSON.parse(JSON.stringify(enc.modelJson));
    const back = loadTfjsModelFromBytes(json, [...enc.shards].reverse());
    expect(predict(back, tessInput(p))).toEqual(predict(p.tess, tessInput(p)));
  });

  it('refuses missing, repeated, foreign and malformed shards, naming the path', () => {
    const p = mlpPair();
    const { modelJson, shards } = modelToTfjs(p.tess, { shardBytes: 64 });
    const [first, ...rest] = shards;
    const load = (s: unknown[]) => () =>
      loadTfjsModelFromBytes(modelJson, s as Parameters<typeof loadTfjsModelFromBytes>[1]);
    expect(load(rest)).toThrow(FormatError);
    expect(load(rest)).toThrow(`lists shard '${first!.path}' but no shard with that path`);
    expect(load([...shards, first])).toThrow(`shard '${first!.path}' is given twice`);
    expect(load([...shards, { path: 'other.bin', data: new Uint8Array(4) }])).toThrow(
      /'other\.bin' are not in the manifest/,
    );
    expect(load([{ path: first!.path, data: [1, 2] }, ...rest])).toThrow(
      /shard 0 must be \{path: string, data: Uint8Array\}/,
    );
    // A shard of the right path but the wrong size is still caught by the size check.
    expect(load([{ path: first!.path, data: first!.data.subarray(4) }, ...rest])).toThrow(
      /declares .* but its shards hold/,
    );
  });

  it('what modelToTfjs writes loads in @tensorflow/tfjs through an in-memory handler', async () => {
    const tfm = hardSigmoidTfModel();
    const x = rand(2 * 5 * 3, 9);
    const want = tfPredict(tfm, tf.tensor(x, [2, 5, 3]));
    const ours = decodeTfjsModel(await artifactsJson(tfm), weightBytes(await saveTf(tfm)));
    const { modelJson, shards } = modelToTfjs(ours, { shardBytes: 100 });
    const json = JSON.parse(JSON.stringify(modelJson));
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights),
        weightData: concatBytes(shards.map((s) => s.data)).slice().buffer,
      }),
    );
    expectClose(tfPredict(loaded, tf.tensor(x, [2, 5, 3])), want, { rtol: 1e-6, atol: 1e-7 });
    expectClose(predict(ours, tensor(x, [2, 5, 3])), want, { rtol: 1e-5, atol: 1e-6 });
  });
});

/** TF.js's model.json for `m`, with its weights in one `weights.bin`. */
async function artifactsJson(m: tf.LayersModel): Promise<unknown> {
  const art = await saveTf(m);
  return JSON.parse(
    JSON.stringify({
      modelTopology: art.modelTopology,
      format: art.format,
      generatedBy: art.generatedBy,
      convertedBy: art.convertedBy,
      weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }],
    }),
  );
}

describe("legacy .h5: hard_sigmoid means what the file's keras_version meant", () => {
  // A Keras 2 `.h5` holds the Keras 2 schema (what TF.js's topology also is) with keras_version
  // 2.x beside it; TF.js, which computes Keras 2's clip(0.2x + 0.5, 0, 1), is the oracle.
  async function legacyFile(kerasVersion: string) {
    const tfm = hardSigmoidTfModel();
    const art = await saveTf(tfm);
    const holder = decodeTfjsModel(await artifactsJson(tfm), weightBytes(art));
    const topology = JSON.parse(JSON.stringify(art.modelTopology)) as Record<string, unknown>;
    const modelConfig = { class_name: topology.class_name, config: topology.config };
    const bytes = await writeLegacyH5(holder, {
      modelConfig,
      kerasVersion,
      backend: 'tensorflow',
    });
    return { tfm, bytes };
  }

  it('keras_version 2.x: clip(0.2x + 0.5, 0, 1), as TF.js computes', async () => {
    const { tfm, bytes } = await legacyFile('2.13.1');
    const m = await loadModelFromBytes(bytes);
    expect(
      (m.getLayer('lstm').getConfig() as { recurrentActivation: string }).recurrentActivation,
    ).toBe('hardSigmoidKeras2');
    expect((m.getLayer('out').getConfig() as { activation: string }).activation).toBe(
      'hardSigmoidKeras2',
    );
    const x = rand(2 * 5 * 3, 10);
    expectClose(predict(m, tensor(x, [2, 5, 3])), tfPredict(tfm, tf.tensor(x, [2, 5, 3])), {
      rtol: 1e-5,
      atol: 1e-6,
    });
  });

  it('keras_version 3.x: Keras 3 relu6(x + 3) / 6, which TF.js does not compute', async () => {
    const { tfm, bytes } = await legacyFile('3.15.1');
    const m = await loadModelFromBytes(bytes);
    expect((m.getLayer('out').getConfig() as { activation: string }).activation).toBe(
      'hardSigmoid',
    );
    const x = rand(2 * 5 * 3, 10);
    const ours = predict(m, tensor(x, [2, 5, 3]));
    const theirs = tfPredict(tfm, tf.tensor(x, [2, 5, 3]));
    expect(Math.max(...ours.map((v, i) => Math.abs(v - theirs[i]!)))).toBeGreaterThan(1e-3);
  });
});

describe('hardSigmoidKeras2 in recurrent layers', () => {
  // The fused LSTM/GRU kernels compute sigmoid gates; with this activation the layers must take
  // the composite path. A plain function of the same formula can only take that path, so equal
  // outputs show that hardSigmoidKeras2 did too (the fused kernel would differ by ~1e-2).
  it('GRU (resetAfter true) and LSTM compute it, not the fused sigmoid kernels', () => {
    const plain = (t: Tensor) => clip(add(mul(t, 0.2), 0.5), 0, 1);
    const build = (ract: 'hardSigmoidKeras2' | typeof plain | 'sigmoid') =>
      new Sequential({
        layers: [
          new LSTM({
            units: 3,
            recurrentActivation: ract,
            returnSequences: true,
            inputShape: [4, 2],
          }),
          new GRU({ units: 2, resetAfter: true, recurrentActivation: ract }),
        ],
      });
    const named = build('hardSigmoidKeras2');
    const reference = build(plain);
    const fused = build('sigmoid');
    const x = tensor(rand(16, 12), [2, 4, 2]);
    named.predict(x);
    randomizeTess(named, 90);
    reference.predict(x);
    fused.predict(x);
    reference.setWeights(named.getWeights());
    fused.setWeights(named.getWeights());
    expectClose(predict(named, x), predict(reference, x), { rtol: 1e-6, atol: 1e-7 });
    const gap = predict(named, x).map((v, i) => Math.abs(v - predict(fused, x)[i]!));
    expect(Math.max(...gap)).toBeGreaterThan(1e-3);
  });
});

describe('hardSigmoidKeras2 in a Keras 3 file', () => {
  it('is refused, naming the layer, rather than saved as a different function', async () => {
    const m = new Sequential({
      layers: [
        new LSTM({
          name: 'rec',
          units: 2,
          recurrentActivation: 'hardSigmoidKeras2',
          inputShape: [3, 2],
        }),
        new Dense({ name: 'd', units: 1 }),
      ],
    });
    await expect(modelToKerasBytes(m)).rejects.toThrow(
      /layer 'rec' recurrentActivation: 'hardSigmoidKeras2'.*no Keras 3 equivalent/,
    );
  });
});
