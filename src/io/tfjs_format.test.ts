import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
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
  tfInput,
  tfPredict,
  weightBytes,
} from '../../test/helpers/tfjs_models.js';
import { TesseraError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { BatchNormalization } from '../layers/normalization.js';
import { GRU } from '../layers/rnn/gru.js';
import { Bidirectional } from '../layers/rnn/wrappers.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { Adam } from '../optimizers/adam.js';
import { RMSprop } from '../optimizers/rmsprop.js';
import { SGD } from '../optimizers/sgd.js';
import type { Tensor } from '../tensor/tensor.js';
import { FormatError } from './errors.js';
import {
  type ModelJson,
  TESSERA_VERSION,
  decodeTfjsModel,
  encodeTfjsModel,
  parseModelJson,
} from './tfjs_format.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// ---------------------------------------------------------------------------------------------
// Helpers

/** TF.js artifacts for an encoded Tessera model, as `tf.io.fromMemory` takes them. */
function toArtifacts(enc: ReturnType<typeof encodeTfjsModel>): tf.io.ModelArtifacts {
  const j = enc.modelJson;
  const bytes = concatBytes(enc.shards.map((s) => s.data));
  const art: tf.io.ModelArtifacts = {
    modelTopology: j.modelTopology,
    weightSpecs: j.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
    weightData: bytes.slice().buffer,
  };
  if (j.trainingConfig) art.trainingConfig = j.trainingConfig as unknown as tf.io.TrainingConfig;
  return art;
}

async function loadInTf(enc: ReturnType<typeof encodeTfjsModel>): Promise<tf.LayersModel> {
  // A JSON round trip first: what a file would hold.
  const j = JSON.parse(JSON.stringify(enc.modelJson)) as ModelJson;
  return tf.loadLayersModel(tf.io.fromMemory(toArtifacts({ ...enc, modelJson: j })));
}

/** model.json as TF.js's `file://` handler writes it, from in-memory save artifacts. */
function modelJsonOf(art: tf.io.ModelArtifacts, paths = ['weights.bin']): unknown {
  return JSON.parse(
    JSON.stringify({
      modelTopology: art.modelTopology,
      format: art.format,
      generatedBy: art.generatedBy,
      convertedBy: art.convertedBy,
      ...(art.trainingConfig ? { trainingConfig: art.trainingConfig } : {}),
      weightsManifest: [{ paths, weights: art.weightSpecs }],
    }),
  );
}

function predictOurs(m: Model, x: Tensor): Float32Array {
  return Float32Array.from((m.predict(x) as Tensor).dataSync());
}

const PAIRS: [string, () => ModelPair][] = [
  ['Dense MLP', mlpPair],
  ['Embedding/LSTM/GRU(resetAfter false)/SimpleRNN/TimeDistributed/Bidirectional', rnnPair],
  ['Conv2D/BatchNorm/MaxPool/Depthwise/Separable/Conv2DTranspose/LayerNorm', convPair],
  ['Sequential nested in a functional model', nestedPair],
];

// ---------------------------------------------------------------------------------------------
// Reference files

/** The project's reference TF.js models (override with TESSERA_TFJS_MODELS). */
const SHARED = process.env.TESSERA_TFJS_MODELS ?? '/work/shared/models/tfjs';
const HAVE_SHARED = existsSync(SHARED);

/** Model folders under {@link SHARED}: each has model.json, weights.bin, input.json, expected.json. */
function referenceDirs(): [string, string][] {
  if (!HAVE_SHARED) return [];
  return readdirSync(SHARED)
    .filter((d) => existsSync(join(SHARED, d, 'model.json')))
    .sort()
    .map((d) => [d, join(SHARED, d)]);
}

interface IoEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: unknown;
}

function flatten(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap(flatten) : [Number(x)];
}

describe.skipIf(!HAVE_SHARED)(
  `reference TF.js models in ${SHARED}${HAVE_SHARED ? '' : ' (SKIPPED: folder not found)'}`,
  () => {
    const dirs = referenceDirs();
    it('finds the reference models', () => {
      expect(dirs.map(([n]) => n)).toEqual(expect.arrayContaining(['cnn', 'mlp']));
    });

    it.each(dirs)('%s: model.json + weights.bin reproduce expected.json', (_, dir) => {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const bin = new Uint8Array(readFileSync(join(dir, 'weights.bin')));
      const model = decodeTfjsModel(json, bin);
      const inputs = (
        JSON.parse(readFileSync(join(dir, 'input.json'), 'utf8')).inputs as IoEntry[]
      ).map((i) => tensor(flatten(i.data), i.shape, i.dtype));
      const outputs = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'))
        .outputs as IoEntry[];
      const got = model.predict(inputs.length === 1 ? inputs[0]! : inputs);
      const list = Array.isArray(got) ? got : [got];
      expect(list.length).toBe(outputs.length);
      outputs.forEach((o, i) => {
        expect([...list[i]!.shape]).toEqual(o.shape);
        expectClose(list[i]!.dataSync(), Float32Array.from(flatten(o.data)), {
          rtol: 1e-5,
          atol: 1e-6,
        });
      });
    });

    it('reads the same model from a function returning each path', () => {
      const [, dir] = dirs.find(([n]) => n === 'mlp')!;
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const seen: string[] = [];
      const model = decodeTfjsModel(json, (p) => {
        seen.push(p);
        return new Uint8Array(readFileSync(join(dir, p)));
      });
      expect(seen).toEqual(['weights.bin']);
      expect(model.getLayer('hidden').weights.map((w) => [...w.shape])).toEqual([[784, 64], [64]]);
    });
  },
);

// ---------------------------------------------------------------------------------------------
// Tessera → TF.js

describe('encodeTfjsModel', () => {
  it('writes format, generatedBy, topology and a manifest with TF.js names', () => {
    const p = mlpPair();
    const { modelJson, shards, warnings } = encodeTfjsModel(p.tess);
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.generatedBy).toBe(`Tessera ${TESSERA_VERSION}`);
    expect(modelJson.convertedBy).toBeNull();
    expect(modelJson.modelTopology.class_name).toBe('Sequential');
    expect(modelJson.trainingConfig).toBeUndefined();
    expect(modelJson.weightsManifest).toEqual([
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'h1/kernel', shape: [6, 8], dtype: 'float32' },
          { name: 'h1/bias', shape: [8], dtype: 'float32' },
          { name: 'h2/kernel', shape: [8, 3], dtype: 'float32' },
          { name: 'h2/bias', shape: [3], dtype: 'float32' },
        ],
      },
    ]);
    expect(shards.map((s) => [s.path, s.data.length])).toEqual([
      ['group1-shard1of1.bin', (6 * 8 + 8 + 8 * 3 + 3) * 4],
    ]);
    expect(warnings).toEqual([]);
  });

  it('TESSERA_VERSION is package.json version', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8'));
    expect(TESSERA_VERSION).toBe(pkg.version);
  });

  it.each(PAIRS)('%s: loads in @tensorflow/tfjs and predicts the same', async (_, make) => {
    const p = make();
    randomizeTess(p.tess, 303);
    const tfm = await loadInTf(encodeTfjsModel(p.tess, { shardBytes: 256 }));
    expectClose(tfPredict(tfm, tfInput(p)), predictOurs(p.tess, tessInput(p)), {
      rtol: 1e-5,
      atol: 1e-6,
    });
  });

  it('BatchNormalization moving statistics reach TF.js', async () => {
    const m = new Sequential({
      layers: [
        new Dense({ name: 'd', units: 4, inputShape: [3] }),
        new BatchNormalization({ name: 'bn', momentum: 0.9, epsilon: 0.01 }),
      ],
    });
    randomizeTess(m, 5);
    const enc = encodeTfjsModel(m);
    expect(enc.modelJson.weightsManifest[0]!.weights.map((w) => w.name)).toEqual([
      'd/kernel',
      'd/bias',
      'bn/gamma',
      'bn/beta',
      'bn/moving_mean',
      'bn/moving_variance',
    ]);
    const tfm = await loadInTf(enc);
    const x = rand(6, 3);
    expectClose(tfPredict(tfm, tf.tensor(x, [2, 3])), predictOurs(m, tensor(x, [2, 3])), {
      rtol: 1e-5,
      atol: 1e-6,
    });
  });

  it('names shards with shardPath; refuses clashing paths', () => {
    const p = mlpPair();
    const enc = encodeTfjsModel(p.tess, {
      shardBytes: 100,
      shardPath: (i, n) => `w-${i}-of-${n}.bin`,
    });
    expect(enc.modelJson.weightsManifest[0]!.paths).toEqual(enc.shards.map((s) => s.path));
    expect(enc.shards[0]!.path).toBe(`w-0-of-${enc.shards.length}.bin`);
    expect(() => encodeTfjsModel(p.tess, { shardBytes: 100, shardPath: () => 'same.bin' })).toThrow(
      /distinct non-empty paths/,
    );
    expect(() => encodeTfjsModel(p.tess, { shardBytes: 0 })).toThrow(
      /shardBytes must be a positive integer/,
    );
  });

  it('refuses a GRU with resetAfter true (TF.js only has the v1 GRU), even when wrapped', () => {
    const m = new Sequential({
      layers: [
        new Bidirectional(new GRU({ name: 'g', units: 2 }), { name: 'bi', inputShape: [3, 2] }),
      ],
    });
    expect(() => encodeTfjsModel(m)).toThrow(
      /layer '.*g' is a GRU with resetAfter true, which TF.js cannot load/,
    );
  });

  it("warns that TF.js's hard_sigmoid is Keras 2's", () => {
    const m = new Sequential({
      layers: [new Dense({ units: 2, activation: 'hardSigmoid', inputShape: [3] })],
    });
    expect(encodeTfjsModel(m).warnings).toEqual([
      expect.stringMatching(/hard_sigmoid.*will differ/),
    ]);
  });

  it('refuses an unbuilt model', () => {
    const m = new Sequential({ layers: [new Dense({ units: 2 })] });
    expect(() => encodeTfjsModel(m)).toThrow(/is not built/);
  });
});

// ---------------------------------------------------------------------------------------------
// TF.js → Tessera

describe('decodeTfjsModel on models saved by tfjs', () => {
  it.each(PAIRS)('%s', async (_, make) => {
    const p = make();
    randomizeTf(p.tf, 404);
    const art = await saveTf(p.tf);
    const model = decodeTfjsModel(modelJsonOf(art), weightBytes(art));
    expectClose(predictOurs(model, tessInput(p)), tfPredict(p.tf, tfInput(p)), {
      rtol: 1e-5,
      atol: 1e-6,
    });
  });

  it('the converter nesting {model_config, training_config} and a split shard list', async () => {
    const p = mlpPair();
    randomizeTf(p.tf, 9);
    const art = await saveTf(p.tf);
    const bytes = weightBytes(art);
    const cut = 101; // inside h1/kernel
    const json = modelJsonOf(art, ['group1-shard1of2.bin', 'group1-shard2of2.bin']) as ModelJson;
    json.modelTopology = {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: json.modelTopology,
      training_config: {
        loss: 'mean_squared_error',
        optimizer_config: { class_name: 'SGD', config: {} },
      },
    };
    const parsed = parseModelJson(json);
    expect(parsed.modelTopology.class_name).toBe('Sequential');
    expect(parsed.trainingConfig?.loss).toBe('mean_squared_error');
    const model = decodeTfjsModel(json, [bytes.subarray(0, cut), bytes.subarray(cut)]);
    expectClose(predictOurs(model, tessInput(p)), tfPredict(p.tf, tfInput(p)), {
      rtol: 1e-5,
      atol: 1e-6,
    });
  });

  it('model_config and training_config as JSON text (Keras 2 spelling)', async () => {
    const p = mlpPair();
    const art = await saveTf(p.tf);
    const json = modelJsonOf(art) as ModelJson;
    json.modelTopology = {
      model_config: JSON.stringify(json.modelTopology),
      training_config: '{"loss": "mse"}',
    };
    const parsed = parseModelJson(json);
    expect(parsed.modelTopology.class_name).toBe('Sequential');
    expect(parsed.trainingConfig?.loss).toBe('mse');
    expect(() => parseModelJson({ ...json, modelTopology: { model_config: '{"a":' } })).toThrow(
      /model_config is not valid JSON/,
    );
  });

  // TF.js's recurrent defaults: GRU v1 (reset_after false) and `implementation: null`; the
  // recurrent activation is set to sigmoid here (see the next test for TF.js's default).
  it('LSTM/GRU with TF.js default options (recurrentActivation sigmoid)', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.lstm({
          name: 'l',
          units: 3,
          inputShape: [4, 2],
          returnSequences: true,
          recurrentActivation: 'sigmoid',
        }),
        tf.layers.gru({ name: 'g', units: 2, recurrentActivation: 'sigmoid' }),
      ],
    });
    randomizeTf(m, 3);
    const art = await saveTf(m);
    const model = decodeTfjsModel(modelJsonOf(art), weightBytes(art));
    const x = rand(16, 5);
    expectClose(predictOurs(model, tensor(x, [2, 4, 2])), tfPredict(m, tf.tensor(x, [2, 4, 2])), {
      rtol: 1e-5,
      atol: 1e-6,
    });
  });

  // TF.js's default recurrentActivation 'hardSigmoid' is Keras 2's clip(0.2x + 0.5, 0, 1), not
  // Keras 3's relu6(x + 3) / 6 (which differs by ~3e-3 here): the reader maps it to
  // hardSigmoidKeras2, which also keeps the layers off the fused (sigmoid-only) kernels.
  it('LSTM/GRU with TF.js default recurrentActivation hardSigmoid (Keras 2 formula)', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.lstm({ name: 'l', units: 3, inputShape: [4, 2], returnSequences: true }),
        tf.layers.gru({ name: 'g', units: 2 }),
      ],
    });
    randomizeTf(m, 3);
    const art = await saveTf(m);
    const model = decodeTfjsModel(modelJsonOf(art), weightBytes(art));
    const cfgs = model.layers.map((l) => l.getConfig() as { recurrentActivation?: string });
    expect(cfgs.map((c) => c.recurrentActivation)).toEqual([
      'hardSigmoidKeras2',
      'hardSigmoidKeras2',
    ]);
    const x = rand(16, 5);
    const want = tfPredict(m, tf.tensor(x, [2, 4, 2]));
    expectClose(predictOurs(model, tensor(x, [2, 4, 2])), want, { rtol: 1e-5, atol: 1e-6 });
    // Written back as TF.js's own 'hard_sigmoid', without a warning, and TF.js agrees.
    const enc = encodeTfjsModel(model);
    expect(enc.warnings).toEqual([]);
    expect(JSON.stringify(enc.modelJson.modelTopology)).toContain(
      '"recurrent_activation":"hard_sigmoid"',
    );
    const back = await loadInTf(enc);
    expectClose(tfPredict(back, tf.tensor(x, [2, 4, 2])), want, { rtol: 1e-6, atol: 1e-7 });
  });

  it('skips optimizer state saved with includeOptimizer and reports it', async () => {
    const p = mlpPair();
    p.tf.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    await p.tf.fit(tf.tensor(rand(24, 1), [4, 6]), tf.oneHot([0, 1, 2, 0], 3), {
      epochs: 1,
      verbose: 0,
    });
    const art = await saveTf(p.tf, { includeOptimizer: true });
    let optimizerNames: string[] = [];
    const model = decodeTfjsModel(modelJsonOf(art), weightBytes(art), {
      onReport: (r) => {
        optimizerNames = r.optimizerWeights.map((w) => w.name);
      },
    });
    // TF.js names slots after its uniquified variable names (h1/kernel_5/m when several models
    // in the process have a layer h1), so only the pattern is fixed.
    expect(optimizerNames.length).toBe(9);
    expect(optimizerNames[0]).toBe('iter');
    expect(optimizerNames[1]).toMatch(/^h1\/kernel(_\d+)?\/m$/);
    expect(optimizerNames[8]).toMatch(/^h2\/bias(_\d+)?\/v$/);
    expectClose(predictOurs(model, tessInput(p)), tfPredict(p.tf, tfInput(p)), {
      rtol: 1e-5,
      atol: 1e-6,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Round trips

describe('Tessera → encode → decode', () => {
  it.each(PAIRS)('%s: bit-identical predictions, across many small shards', (_, make) => {
    const p = make();
    randomizeTess(p.tess, 505);
    const enc = encodeTfjsModel(p.tess, { shardBytes: 64 });
    expect(enc.shards.length).toBeGreaterThan(1);
    expect(enc.shards.slice(0, -1).every((s) => s.data.length === 64)).toBe(true);
    const json = JSON.parse(JSON.stringify(enc.modelJson));
    const byPath = new Map(enc.shards.map((s) => [s.path, s.data]));
    const back = decodeTfjsModel(json, (path) => byPath.get(path)!);
    expect([...predictOurs(back, tessInput(p))]).toEqual([...predictOurs(p.tess, tessInput(p))]);
    const back2 = decodeTfjsModel(
      json,
      enc.shards.map((s) => s.data),
    );
    expect([...predictOurs(back2, tessInput(p))]).toEqual([...predictOurs(p.tess, tessInput(p))]);
  });
});

// ---------------------------------------------------------------------------------------------
// Training config and optimizer state

describe('trainingConfig and includeOptimizer', () => {
  async function trainBoth(
    makeOpt: () => Adam | SGD | RMSprop,
    loss: 'mse' | 'categorical_crossentropy',
    expected: { class_name: string; slots: string[] },
    compareStep = true,
  ) {
    // No Dropout here: a training step must be deterministic on both sides.
    const p = mlpPair();
    p.tess = new Sequential({
      name: 'mlp_nodrop',
      layers: [
        new Dense({ name: 'h1', units: 8, activation: 'relu', inputShape: [6] }),
        new Dense({ name: 'h2', units: 3, activation: 'softmax' }),
      ],
    });
    randomizeTess(p.tess, 606);
    p.tess.compile({ optimizer: makeOpt(), loss, metrics: ['accuracy'] });
    const x = tensor(rand(24, 21), [4, 6]);
    const y = tensor([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0], [4, 3]);
    p.tess.trainOnBatch(x, y);
    p.tess.trainOnBatch(x, y);
    const enc = encodeTfjsModel(p.tess, { includeOptimizer: true });
    const tc = enc.modelJson.trainingConfig!;
    expect(tc.optimizer_config.class_name).toBe(expected.class_name);
    expect(tc.metrics).toEqual(['accuracy']);
    const opt = enc.modelJson.weightsManifest[0]!.weights.filter((w) => w.group === 'optimizer');
    expect(opt.map((w) => w.name)).toEqual([
      'iter',
      ...expected.slots.flatMap((s) =>
        ['h1/kernel', 'h1/bias', 'h2/kernel', 'h2/bias'].map((n) => `${n}/${s}`),
      ),
    ]);
    const tfm = await loadInTf(enc);
    expect(tfm.optimizer.getClassName()).toBe(expected.class_name);
    if (!compareStep) return;
    // One more step on both sides from the saved state.
    p.tess.trainOnBatch(x, y);
    await tfm.trainOnBatch(tf.tensor(rand(24, 21), [4, 6]), tf.tensor(y.dataSync(), [4, 3]));
    const ours = p.tess.getWeights().map((w) => [...w.dataSync()]);
    const theirs = tfm.getWeights().map((w) => [...w.dataSync()]);
    ours.forEach((w, i) => expectClose(theirs[i]!, w, { rtol: 1e-4, atol: 1e-5 }));
  }

  it('Adam: state (m, v, iter) continues in TF.js', () =>
    trainBoth(() => new Adam({ learningRate: 0.05 }), 'categorical_crossentropy', {
      class_name: 'Adam',
      slots: ['m', 'v'],
    }));

  it('SGD with momentum: saved as TF.js Momentum, state rescaled', () =>
    trainBoth(() => new SGD({ learningRate: 0.1, momentum: 0.9 }), 'mse', {
      class_name: 'Momentum',
      slots: ['momentum'],
    }));

  it('RMSprop (momentum): continues in TF.js', () =>
    trainBoth(() => new RMSprop({ learningRate: 0.01, momentum: 0.5 }), 'mse', {
      class_name: 'RMSProp',
      slots: ['rms', 'momentum'],
    }));

  // TF.js's centered RMSProp divides by √(v − ḡ² − ε) (ε subtracted), Keras's by √(v − ḡ² + ε),
  // so steps differ even from a fresh state; only the saved state's layout is checked.
  it('RMSprop (centered, no momentum): state rms, momentum (zeros), mg loads in TF.js', () =>
    trainBoth(
      () => new RMSprop({ learningRate: 0.01, centered: true }),
      'mse',
      { class_name: 'RMSProp', slots: ['rms', 'momentum', 'mg'] },
      false,
    ));

  it('writes trainingConfig without optimizer weights by default; warns about what TF.js lacks', () => {
    const p = mlpPair();
    p.tess.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['accuracy', 'auc'] });
    const enc = encodeTfjsModel(p.tess);
    expect(enc.modelJson.trainingConfig).toEqual({
      loss: 'mean_squared_error',
      metrics: ['accuracy'],
      optimizer_config: { class_name: 'SGD', config: { learningRate: 0.01 } },
    });
    expect(enc.modelJson.weightsManifest[0]!.weights.some((w) => w.group === 'optimizer')).toBe(
      false,
    );
    expect(enc.warnings).toEqual([expect.stringMatching(/metrics TF.js does not know.*auc/)]);
    p.tess.compile({ optimizer: 'nadam', loss: 'mse' });
    const enc2 = encodeTfjsModel(p.tess);
    expect(enc2.modelJson.trainingConfig).toBeUndefined();
    expect(enc2.warnings).toEqual([
      expect.stringMatching(/trainingConfig left out: optimizer Nadam/),
    ]);
    expect(() => encodeTfjsModel(p.tess, { includeOptimizer: true })).toThrow(
      /optimizer Nadam has no TF.js equivalent/,
    );
    p.tess.compile({
      optimizer: 'adam',
      loss: { className: 'CategoricalCrossentropy', config: { fromLogits: true } },
    });
    expect(() => encodeTfjsModel(p.tess, { includeOptimizer: true })).toThrow(/fromLogits=true/);
    const fresh = mlpPair();
    expect(() => encodeTfjsModel(fresh.tess, { includeOptimizer: true })).toThrow(
      /needs a compiled model/,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input

describe('bad model.json and weight data', () => {
  function valid(): { json: ModelJson; bin: Uint8Array } {
    const p = mlpPair();
    const enc = encodeTfjsModel(p.tess);
    return { json: JSON.parse(JSON.stringify(enc.modelJson)), bin: enc.shards[0]!.data };
  }

  function expectFormatError(fn: () => unknown, msg: RegExp | string): void {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err, 'expected an error').toBeInstanceOf(TesseraError);
    expect((err as Error).message).toMatch(msg);
  }

  it('truncated weight data', () => {
    const { json, bin } = valid();
    expectFormatError(() => decodeTfjsModel(json, bin.subarray(0, bin.length - 3)), /truncated/);
    expect(() => decodeTfjsModel(json, bin.subarray(0, 10))).toThrow(FormatError);
  });

  it('a manifest entry with a wrong shape', () => {
    const { json, bin } = valid();
    json.weightsManifest[0]!.weights[0]!.shape = [8, 6];
    expectFormatError(
      () => decodeTfjsModel(json, bin),
      "layer 'h1' weight 'kernel' has shape [6, 8] in the model but the manifest entry 'h1/kernel' has shape [8, 6]",
    );
  });

  it('a huge declared shape (2^40 elements) is refused before any allocation', () => {
    const { json, bin } = valid();
    json.weightsManifest[0]!.weights[0]!.shape = [2 ** 20, 2 ** 20];
    expectFormatError(
      () => decodeTfjsModel(json, bin),
      /declares 4398046511\d+ bytes .* only \d+ bytes/,
    );
  });

  it('wrong, unknown or unsupported dtypes', () => {
    for (const dtype of ['float64', 'string', 'complex64', 7]) {
      const { json, bin } = valid();
      (json.weightsManifest[0]!.weights[1] as { dtype: unknown }).dtype = dtype;
      expectFormatError(() => decodeTfjsModel(json, bin), /'h1\/bias'\) has (unknown )?dtype/);
    }
  });

  it('negative and non-integer dims', () => {
    for (const shape of [[-6, 8], [6, 8.5], [6, '8'], [6, null], 'x']) {
      const { json, bin } = valid();
      (json.weightsManifest[0]!.weights[0] as { shape: unknown }).shape = shape;
      expectFormatError(
        () => decodeTfjsModel(json, bin),
        /'h1\/kernel'\) has (an invalid shape|no shape)/,
      );
    }
  });

  it('missing or malformed top-level fields', () => {
    const { json, bin } = valid();
    const without = (k: string) =>
      Object.fromEntries(Object.entries(json).filter(([key]) => key !== k));
    expectFormatError(() => decodeTfjsModel(without('modelTopology'), bin), /has no modelTopology/);
    expectFormatError(
      () => decodeTfjsModel(without('weightsManifest'), bin),
      /has no weightsManifest/,
    );
    expectFormatError(
      () => decodeTfjsModel({ ...json, modelTopology: [] }, bin),
      /modelTopology must be an object/,
    );
    expectFormatError(
      () => decodeTfjsModel({ ...json, modelTopology: { config: {} } }, bin),
      /no class_name/,
    );
    expectFormatError(
      () => decodeTfjsModel({ ...json, format: 'graph-model' }, bin),
      /graph model/,
    );
    expectFormatError(
      () => decodeTfjsModel({ ...json, generatedBy: 3 }, bin),
      /generatedBy must be a string/,
    );
    expectFormatError(
      () => decodeTfjsModel({ ...json, trainingConfig: 'x' }, bin),
      /trainingConfig must be an object/,
    );
    expectFormatError(() => decodeTfjsModel(null, bin), /expected a JSON object/);
    expectFormatError(() => decodeTfjsModel('{not json', bin), /not valid JSON/);
    expectFormatError(() => decodeTfjsModel(new Uint8Array([0xff, 0xfe]), bin), /not valid UTF-8/);
  });

  it('__proto__ keys anywhere are refused and pollute nothing', () => {
    const { json, bin } = valid();
    const text = JSON.stringify(json);
    const evil = [
      text.replace('"format":', '"__proto__":{"polluted":1},"format":'),
      text.replace('"units":', '"__proto__":{"polluted":1},"units":'),
      text.replace('"name":"h1/bias"', '"name":"h1/bias","__proto__":{"polluted":1}'),
    ];
    for (const t of evil) {
      expectFormatError(() => decodeTfjsModel(JSON.parse(t), bin), /__proto__/);
      expectFormatError(() => decodeTfjsModel(t, bin), /__proto__/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A weight literally named __proto__ is just an unmatched entry.
    const named = JSON.parse(text) as ModelJson;
    named.weightsManifest[0]!.weights[3]!.name = '__proto__';
    expectFormatError(() => decodeTfjsModel(named, bin), /matches no weight .* '__proto__'/);
  });

  it('an unknown layer class', () => {
    const { json, bin } = valid();
    const layers = (json.modelTopology.config as { layers: { class_name: string }[] }).layers;
    layers[layers.length - 1]!.class_name = 'FancyDense';
    expectFormatError(() => decodeTfjsModel(json, bin), /FancyDense/);
  });

  it('weights of another model: unused entries and missing weights are named', () => {
    const { json, bin } = valid();
    json.weightsManifest[0]!.weights[2]!.name = 'other/kernel';
    expectFormatError(
      () => decodeTfjsModel(json, bin),
      /matches no weight of model .*'other\/kernel'/,
    );
    const m = decodeTfjsModel(json, bin, { strict: false });
    expect(m.getLayer('h1').weights.length).toBe(2);
  });

  it('a shard list whose sizes do not add up', () => {
    const { json, bin } = valid();
    json.weightsManifest[0]!.paths = ['a.bin', 'b.bin'];
    expectFormatError(
      () => decodeTfjsModel(json, [bin.subarray(0, 40), bin.subarray(40, bin.length - 4)]),
      /its shards hold \d+ bytes \('a.bin' 40, 'b.bin' \d+\): a shard is truncated/,
    );
    expectFormatError(() => decodeTfjsModel(json, [bin]), /lists 2 shard paths/);
  });

  it('random corruption of model.json never crashes outside TesseraError', () => {
    const { json, bin } = valid();
    const text = JSON.stringify(json);
    const seeds = rand(300, 77, 0, 1);
    for (let i = 0; i < 100; i++) {
      const pos = Math.floor(seeds[3 * i]! * text.length);
      const len = 1 + Math.floor(seeds[3 * i + 1]! * 6);
      const chars = '0-1[]{}",:ae';
      const c = chars[Math.floor(seeds[3 * i + 2]! * chars.length)]!;
      const bad = text.slice(0, pos) + c.repeat(len) + text.slice(pos + len);
      try {
        decodeTfjsModel(bad, bin);
      } catch (e) {
        expect(e, `mutation at ${pos}: ${(e as Error).message}`).toBeInstanceOf(TesseraError);
      }
    }
  });
});
