import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { ShapeError, ValueError } from '../errors.js';
import { Dropout, Flatten } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import { GRU, LSTM, SimpleRNN } from '../layers/index.js';
import { input } from '../layers/input_layer.js';
import { type Layer, Layer as LayerBase, single } from '../layers/layer.js';
import { concatenate } from '../layers/merge.js';
import { BatchNormalization, LayerNormalization } from '../layers/normalization.js';
import { Bidirectional, TimeDistributed } from '../layers/rnn/wrappers.js';
import { type Model, model as functional } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
import {
  Adadelta,
  Adagrad,
  Adam,
  AdamW,
  Adamax,
  Nadam,
  type Optimizer,
  RMSprop,
  SGD,
} from '../optimizers/index.js';
import { ExponentialDecay } from '../optimizers/schedules.js';
import type { Tensor } from '../tensor/tensor.js';
import { FormatError } from './errors.js';
import { type H5Reader, openH5 } from './h5.js';
import {
  kerasSaveables,
  kerasSlotOrder,
  loadLegacyWeights,
  readKerasWeights,
  readLegacyH5,
  writeKerasWeights,
  writeLegacyH5,
} from './keras_weights.js';
import { readZip, writeZip } from './zip.js';

const KERAS = '/work/shared/models/keras';
const file = (p: string) => new Uint8Array(readFileSync(`${KERAS}/${p}`));

// Conv and pooling layers are landing in parallel; without them the cnn model is skipped.
type ConvModule = typeof import('../layers/convolutional.js');
type PoolModule = typeof import('../layers/pooling.js');
let conv: ConvModule | null = null;
let pool: PoolModule | null = null;
let convMissing = '';
beforeAll(async () => {
  try {
    conv = await import('../layers/convolutional.js');
    pool = await import('../layers/pooling.js');
  } catch (e) {
    convMissing = (e as Error).message;
  }
});

interface Fixture {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: unknown;
}
function fixture(name: string): { x: Tensor; y: Fixture } {
  const inp = JSON.parse(readFileSync(`${KERAS}/${name}/input.json`, 'utf8')).inputs[0] as Fixture;
  const out = JSON.parse(readFileSync(`${KERAS}/${name}/expected.json`, 'utf8'))
    .outputs[0] as Fixture;
  return { x: tensor(inp.data as number[], inp.shape, inp.dtype), y: out };
}

// The reference architectures, built by hand (shared/models/README.md), with Keras's names.
function mlp(): Sequential {
  return new Sequential({
    name: 'mlp',
    layers: [
      new Dense({ units: 64, activation: 'relu', inputShape: [784], name: 'hidden' }),
      new Dense({ units: 10, activation: 'softmax', name: 'probs' }),
    ],
  });
}

function cnn(): Sequential {
  const { Conv2D } = conv!;
  const { MaxPooling2D } = pool!;
  return new Sequential({
    name: 'cnn',
    layers: [
      input({ shape: [28, 28, 1], name: 'image' }),
      new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu', name: 'conv1' }),
      new MaxPooling2D({ poolSize: 2, name: 'pool1' }),
      new Conv2D({ filters: 16, kernelSize: 3, padding: 'same', strides: 2, name: 'conv2' }),
      new BatchNormalization({ name: 'bn' }),
      new Flatten({ name: 'flatten' }),
      new Dropout({ rate: 0.5, name: 'dropout' }),
      new Dense({ units: 10, activation: 'softmax', name: 'probs' }),
    ],
  });
}

function lstm(): Sequential {
  return new Sequential({
    name: 'lstm',
    layers: [
      input({ shape: [20], dtype: 'int32', name: 'tokens' }),
      new Embedding({ inputDim: 100, outputDim: 8, name: 'embed' }),
      new LSTM({ units: 16, returnSequences: true, name: 'lstm' }),
      new GRU({ units: 8, name: 'gru' }),
      new Dense({ units: 1, activation: 'sigmoid', name: 'prob' }),
    ],
  });
}

const builders: Record<string, () => Sequential> = { mlp, cnn, lstm };
const needsConv = (name: string) => name === 'cnn';

function checkPrediction(m: Model, name: string): void {
  const { x, y } = fixture(name);
  const out = m.predict(x) as Tensor;
  expect(out.shape).toEqual(y.shape);
  expectClose(out, y.data as number[], { rtol: 1e-5, atol: 1e-7 });
}

/** Every object in a file: path → 'group' | dtype + shape, plus `name` attributes. */
function structure(r: H5Reader): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    for (const k of r.keys(p || '/')) {
      const c = p ? `${p}/${k}` : k;
      if (r.isGroup(c)) {
        const name = r.attrs(c).name;
        out[c] = name === undefined ? 'group' : `group name=${name}`;
        walk(c);
      } else {
        const info = r.datasetInfo(c);
        out[c] = `${info.storedDtype} [${info.shape.join(', ')}]`;
      }
    }
  };
  walk('');
  return out;
}

function weightsOf(m: Layer): Float32Array[] {
  return m.weights.map((w) => Float32Array.from(w.dataSync()));
}

describe('reading the reference Keras files', () => {
  for (const name of ['mlp', 'cnn', 'lstm']) {
    it(`${name}: .weights.h5, .keras and legacy .h5 reproduce expected.json`, async (ctx) => {
      if (needsConv(name) && (!conv || !pool)) {
        ctx.skip(`cnn skipped: conv/pooling layers not available (${convMissing})`);
      }
      const a = builders[name]!();
      const report = await readKerasWeights(a, file(`${name}/${name}.weights.h5`));
      expect(report.skipped).toEqual([]);
      expect(report.unusedEntries).toEqual([]);
      expect(report.loaded).toBe(a.weights.length);
      checkPrediction(a, name);

      const b = builders[name]!();
      await readKerasWeights(b, file(`${name}/${name}.keras`));
      checkPrediction(b, name);

      const legacy = await readLegacyH5(file(`${name}/${name}.h5`));
      expect(legacy.kerasVersion).toBe('3.15.1');
      expect(legacy.backend).toBe('numpy');
      expect((legacy.modelConfig as { class_name: string }).class_name).toBe('Sequential');
      const c = builders[name]!();
      const r1 = loadLegacyWeights(c, legacy);
      expect(r1.loaded).toBe(c.weights.length);
      checkPrediction(c, name);
      const d = builders[name]!();
      const r2 = loadLegacyWeights(d, legacy, { byName: true });
      expect(r2.unmatchedLayers).toEqual([]);
      checkPrediction(d, name);
    });
  }

  it("computes Keras's paths for the reference models (the files' vars groups, exactly)", async (ctx) => {
    for (const name of ['mlp', 'lstm', 'cnn']) {
      if (needsConv(name) && (!conv || !pool)) {
        ctx.skip(`cnn skipped: conv/pooling layers not available (${convMissing})`);
      }
      const m = builders[name]!();
      const r = await openH5(file(`${name}/${name}.weights.h5`));
      const inFile = Object.keys(structure(r))
        .filter((p) => p.endsWith('vars'))
        .sort();
      r.close();
      const mine = kerasSaveables(m)
        .map((s) => (s.path ? `${s.path}/vars` : 'vars'))
        .sort();
      expect(mine).toEqual(inFile);
    }
  });

  it('writes the same structure Keras wrote (groups, datasets, shapes, name attributes)', async (ctx) => {
    for (const name of ['mlp', 'lstm', 'cnn']) {
      if (needsConv(name) && (!conv || !pool)) {
        ctx.skip(`cnn skipped: conv/pooling layers not available (${convMissing})`);
      }
      const m = builders[name]!();
      const original = file(`${name}/${name}.weights.h5`);
      await readKerasWeights(m, original);
      const bytes = await writeKerasWeights(m);
      const [ra, rb] = [await openH5(original), await openH5(bytes)];
      expect(structure(rb)).toEqual(structure(ra));
      for (const [p, kind] of Object.entries(structure(ra))) {
        if (kind.startsWith('group')) continue;
        expect(rb.readDataset(p).data, p).toEqual(ra.readDataset(p).data);
      }
      ra.close();
      rb.close();
    }
  });
});

// A functional model with every weight-carrying family Tessera has, a shared layer and a
// nested Sequential.
function familyModel(): Model {
  const seq = input({ shape: [6, 5], name: 'seq' });
  let s = new LayerNormalization({}).apply(seq);
  if (conv) s = new conv.Conv1D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(s);
  s = new BatchNormalization({}).apply(s);
  s = new LSTM({ units: 3, returnSequences: true }).apply(s);
  s = new Bidirectional(new GRU({ units: 2, returnSequences: true }), {}).apply(s);
  s = new Bidirectional(new LSTM({ units: 2, returnSequences: true }), {}).apply(s);
  s = new TimeDistributed(new Dense({ units: 2 }), {}).apply(s);
  s = new GRU({ units: 3, resetAfter: false, returnSequences: true }).apply(s);
  s = new SimpleRNN({ units: 3 }).apply(s);
  const shared = new Dense({ units: 3, name: 'shared' });
  const s2 = shared.apply(shared.apply(s));
  const ids = input({ shape: [4], dtype: 'int32', name: 'ids' });
  const e = new Flatten({}).apply(new Embedding({ inputDim: 10, outputDim: 3 }).apply(ids));
  const inner = new Sequential({
    layers: [
      new Dense({ units: 4, activation: 'relu', inputShape: [12] }),
      new Dense({ units: 2 }),
    ],
  });
  const inputs = [seq, ids];
  const parts = [s2, e, inner.apply(e)];
  if (conv && pool) {
    const img = input({ shape: [8, 8, 2], name: 'img' });
    let x = new conv.Conv2D({ filters: 3, kernelSize: 3 }).apply(img);
    x = new conv.DepthwiseConv2D({ kernelSize: 2, depthMultiplier: 2 }).apply(x);
    x = new conv.SeparableConv2D({ filters: 2, kernelSize: 2 }).apply(x);
    x = new conv.Conv2DTranspose({ filters: 2, kernelSize: 2, strides: 2 }).apply(x);
    x = new pool.MaxPooling2D({ poolSize: 2 }).apply(x);
    parts.push(new Flatten({}).apply(x));
    inputs.push(img);
  }
  const out = new Dense({ units: 1 }).apply(concatenate(parts));
  return functional({ inputs, outputs: out });
}

function randomize(m: Layer): void {
  for (const w of m.weights) {
    const r = randomNormal(w.shape, 0.5, 0.3);
    w.assign(r.abs()); // positive, so moving variances stay valid
  }
}

describe('write → read round trip', () => {
  it('is bit-identical for every layer family, with Keras paths', async () => {
    setSeed(1);
    const a = familyModel();
    randomize(a);
    const bytes = await writeKerasWeights(a);
    const b = familyModel();
    expect(weightsOf(b)).not.toEqual(weightsOf(a));
    const report = await readKerasWeights(b, bytes);
    expect(report.skipped).toEqual([]);
    expect(report.unusedEntries).toEqual([]);
    expect(report.loaded).toBe(a.weights.length);
    expect(weightsOf(b)).toEqual(weightsOf(a));

    const r = await openH5(bytes);
    const s = structure(r);
    r.close();
    for (const p of [
      'vars',
      'layers/input_layer/vars',
      'layers/input_layer_1/vars',
      'layers/lstm/vars',
      'layers/lstm/cell/vars/0',
      'layers/bidirectional/forward_layer/cell/vars/2',
      'layers/bidirectional/backward_layer/cell/vars/2',
      'layers/bidirectional_1/forward_layer/cell/vars/0',
      'layers/time_distributed/layer/vars/0',
      'layers/gru/cell/vars/2',
      'layers/simple_rnn/cell/vars/2',
      'layers/batch_normalization/vars/3',
      'layers/layer_normalization/vars/1',
      'layers/embedding/vars/0',
      'layers/sequential/vars',
      'layers/sequential/layers/dense/vars/1',
      'layers/sequential/layers/dense_1/vars/1',
    ]) {
      expect(s[p], p).toBeDefined();
    }
    // The shared Dense is saved once.
    const denseKeys = Object.keys(s).filter((p) => /^layers\/dense(_\d+)?\/vars$/.test(p));
    expect(s['layers/gru/cell/vars/2']).toBe('float32 [9]'); // reset_after = false
    expect(denseKeys.length).toBe(2); // shared + output
    if (conv) {
      for (const p of [
        'layers/conv1d/vars/0',
        'layers/conv2d/vars/0',
        'layers/depthwise_conv2d/vars/0',
        'layers/separable_conv2d/vars/1',
        'layers/conv2d_transpose/vars/0',
      ]) {
        expect(s[p], p).toBeDefined();
      }
    }
  });

  it('keeps Keras variable order for a frozen layer (declared trainable first)', async () => {
    const m = new Sequential({
      layers: [new Dense({ units: 2, inputShape: [3] }), new BatchNormalization({})],
    });
    randomize(m);
    m.layers[1]!.trainable = false;
    const bytes = await writeKerasWeights(m);
    const r = await openH5(bytes);
    const bn = m.layers[1]! as BatchNormalization;
    const names = ['gamma', 'beta', 'moving_mean', 'moving_variance'];
    names.forEach((n, i) => {
      const v = bn.ownVariables.find((w) => w.weightName === n)!;
      expect(r.readDataset(`layers/batch_normalization/vars/${i}`).data).toEqual(
        Float32Array.from(v.dataSync()),
      );
    });
    r.close();
  });

  it('reads from a .keras archive as well', async () => {
    const a = mlp();
    randomize(a);
    const zip = writeZip({ 'model.weights.h5': await writeKerasWeights(a) });
    const b = mlp();
    await readKerasWeights(b, zip);
    expect(weightsOf(b)).toEqual(weightsOf(a));
  });
});

/** A layer that tracks a sublayer without listing it in savedChildren(). */
class Opaque extends LayerBase {
  static override readonly className = 'Opaque';
  private readonly inner: Dense;
  constructor() {
    super({});
    this.inner = this.trackLayer(new Dense({ units: 2 }));
  }
  override call(x: Tensor | Tensor[]): Tensor {
    return this.inner.apply(single(x, this));
  }
}

describe('mismatches', () => {
  it("refuses a layer whose sublayer weights Keras's layout cannot place", async () => {
    const m = new Sequential({ layers: [input({ shape: [3] }), new Opaque()] });
    await expect(writeKerasWeights(m)).rejects.toThrow(/savedChildren\(\)/);
  });

  it('names the layer, the weight and both shapes', async () => {
    const bytes = file('mlp/mlp.weights.h5');
    const m = new Sequential({
      layers: [
        new Dense({ units: 32, inputShape: [784], name: 'small' }),
        new Dense({ units: 10 }),
      ],
    });
    const before = weightsOf(m);
    const err = await readKerasWeights(m, bytes).catch((e) => e);
    expect(err).toBeInstanceOf(ShapeError);
    expect(err.message).toContain("layer 'small' (Dense)");
    expect(err.message).toContain("weight 'kernel'");
    expect(err.message).toContain('[784, 32]');
    expect(err.message).toContain('[784, 64]');
    expect(err.message).toContain('layers/dense/vars/0');
    // Nothing was assigned.
    expect(weightsOf(m)).toEqual(before);
  });

  it('reports a variable-count mismatch and skips with skipMismatch', async () => {
    const bytes = file('mlp/mlp.weights.h5');
    const m = new Sequential({
      layers: [
        new Dense({ units: 64, inputShape: [784], useBias: false, name: 'nobias' }),
        new Dense({ units: 10, name: 'out' }),
      ],
    });
    const err = await readKerasWeights(m, bytes).catch((e) => e);
    expect(err).toBeInstanceOf(ValueError);
    expect(err.message).toMatch(
      /'nobias'.*expects 1 variable\(s\) \(kernel \[784, 64\]\) but the file has 2/,
    );
    const report = await readKerasWeights(m, bytes, { skipMismatch: true });
    expect(report.skipped.map((s) => s.layer)).toEqual(['nobias']);
    expect(report.loaded).toBe(2);
    expect(report.layersLoaded).toBe(1);
  });

  it('reports missing groups and unused entries', async () => {
    const m = new Sequential({
      layers: [
        new Dense({ units: 64, inputShape: [784] }),
        new Dense({ units: 10 }),
        new Dense({ units: 3, name: 'extra' }),
      ],
    });
    const err = await readKerasWeights(m, file('mlp/mlp.weights.h5')).catch((e) => e);
    expect(err).toBeInstanceOf(ValueError);
    expect(err.message).toContain("'extra'");
    expect(err.message).toContain("no group 'layers/dense_2/vars'");
    const small = new Sequential({ layers: [new Dense({ units: 64, inputShape: [784] })] });
    const report = await readKerasWeights(small, file('mlp/mlp.weights.h5'));
    expect(report.unusedEntries).toEqual(['layers/dense_1/vars']);
  });

  it('loads by layer name, reporting unmatched layers', async () => {
    // Reordered and with an extra layer: by position this would fail.
    const hidden = new Dense({ units: 64, activation: 'relu', name: 'hidden' });
    const probs = new Dense({ units: 10, activation: 'softmax', name: 'probs' });
    const x = input({ shape: [784] });
    const other = new Dense({ units: 5, name: 'other' }).apply(x);
    const m = functional({ inputs: x, outputs: [probs.apply(hidden.apply(x)), other] });
    const report = await readKerasWeights(m, file('mlp/mlp.weights.h5'), { byName: true });
    expect(report.unmatchedLayers).toEqual(['other']);
    expect(report.loaded).toBe(4);
    const ref = mlp();
    await readKerasWeights(ref, file('mlp/mlp.weights.h5'));
    expect(weightsOf(hidden)).toEqual(weightsOf(ref.layers[0]!));
    expect(weightsOf(probs)).toEqual(weightsOf(ref.layers[1]!));
  });

  it('refuses unbuilt models, damaged files and legacy files with clear errors', async () => {
    const unbuilt = new Sequential({ layers: [new Dense({ units: 2 })] });
    await expect(readKerasWeights(unbuilt, file('mlp/mlp.weights.h5'))).rejects.toThrow(
      /not built/,
    );
    await expect(writeKerasWeights(unbuilt)).rejects.toThrow(/not built/);
    const m = mlp();
    const good = file('mlp/mlp.weights.h5');
    for (const bad of [good.slice(0, 2000), good.slice(0, 100), new Uint8Array(50)]) {
      await expect(readKerasWeights(m, bad)).rejects.toBeInstanceOf(FormatError);
    }
    await expect(readKerasWeights(m, file('mlp/mlp.h5'))).rejects.toThrow(/legacy Keras HDF5/);
    const zip = writeZip({ 'config.json': new Uint8Array(2) });
    await expect(readKerasWeights(m, zip)).rejects.toThrow(/no model.weights.h5/);
  });
});

describe('optimizer state', () => {
  function trainable(): Sequential {
    return new Sequential({
      layers: [
        new Dense({ units: 5, activation: 'tanh', inputShape: [3] }),
        new BatchNormalization({}),
        new Dense({ units: 2 }),
      ],
    });
  }
  const x = tensor(
    Array.from({ length: 24 }, (_, i) => Math.sin(i)),
    [8, 3],
  );
  const y = tensor(
    Array.from({ length: 16 }, (_, i) => Math.cos(i * 0.7)),
    [8, 2],
  );

  const optimizers: Record<string, () => Optimizer> = {
    adam: () => new Adam({ learningRate: 0.01 }),
    'adam amsgrad': () => new Adam({ learningRate: 0.01, amsgrad: true }),
    'adam schedule': () => new Adam({ learningRate: new ExponentialDecay(0.01, 1, 0.9) }),
    'sgd nesterov': () => new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true }),
    sgd: () => new SGD({ learningRate: 0.05 }),
    'rmsprop centered': () => new RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true }),
    adagrad: () => new Adagrad({ learningRate: 0.05 }),
    adadelta: () => new Adadelta({ learningRate: 1 }),
    adamax: () => new Adamax({ learningRate: 0.01 }),
    nadam: () => new Nadam({ learningRate: 0.01 }),
    adamw: () => new AdamW({ learningRate: 0.01 }),
  };

  for (const [name, make] of Object.entries(optimizers)) {
    it(`${name}: save after 2 steps, load into a fresh model, continue = uninterrupted`, async () => {
      setSeed(3);
      const a = trainable();
      a.compile({ optimizer: make(), loss: 'mse' });
      a.trainOnBatch(x, y);
      a.trainOnBatch(x, y);
      const bytes = await writeKerasWeights(a, { includeOptimizer: true });

      const b = trainable();
      b.compile({ optimizer: make(), loss: 'mse' });
      const report = await readKerasWeights(b, bytes);
      expect(report.optimizer).toBe('loaded');
      expect(b.optimizer!.iterations).toBe(2);
      for (let i = 0; i < 3; i++) {
        a.trainOnBatch(x, y);
        b.trainOnBatch(x, y);
      }
      expect(weightsOf(b)).toEqual(weightsOf(a));
      const sa = a.optimizer!.getWeights().map((t) => Array.from(t.dataSync()));
      const sb = b.optimizer!.getWeights().map((t) => Array.from(t.dataSync()));
      expect(sb).toEqual(sa);
    });
  }

  it("stores Keras's layout: iterations, learning_rate, slots interleaved per variable", async () => {
    const a = trainable();
    const opt = new Adam({ learningRate: 0.01 });
    a.compile({ optimizer: opt, loss: 'mse' });
    a.trainOnBatch(x, y);
    const bytes = await writeKerasWeights(a, { includeOptimizer: true });
    const r = await openH5(bytes);
    expect(r.attrs('optimizer/vars').name).toBe('adam');
    const it0 = r.readDataset('optimizer/vars/0');
    expect(it0.storedDtype).toBe('int64');
    expect(it0.shape).toEqual([]);
    expect(Array.from(it0.data)).toEqual([1]);
    expect(r.readDataset('optimizer/vars/1').data[0]).toBeCloseTo(0.01, 7);
    const vars = a.trainableWeights;
    const n = vars.length;
    expect(r.keys('optimizer/vars').length).toBe(2 + 2 * n);
    for (let j = 0; j < n; j++) {
      const m = Float32Array.from(opt.getSlot(vars[j]!, 'momentum').dataSync());
      const v = Float32Array.from(opt.getSlot(vars[j]!, 'velocity').dataSync());
      expect(r.readDataset(`optimizer/vars/${2 + 2 * j}`).data).toEqual(m);
      expect(r.readDataset(`optimizer/vars/${3 + 2 * j}`).data).toEqual(v);
    }
    r.close();
    // Without includeOptimizer there is no optimizer group; reading then reports it absent.
    const plain = await writeKerasWeights(a);
    const r2 = await openH5(plain);
    expect(r2.has('optimizer')).toBe(false);
    r2.close();
    expect((await readKerasWeights(a, plain)).optimizer).toBe('absent');
    expect((await readKerasWeights(a, bytes, { includeOptimizer: false })).optimizer).toBe(
      'ignored',
    );
    // The stored learning rate (a float32 variable in Keras) replaces the compiled one.
    const b = trainable();
    b.compile({ optimizer: new Adam({ learningRate: 0.5 }), loss: 'mse' });
    await readKerasWeights(b, bytes);
    expect(b.optimizer!.learningRate).toBe(Math.fround(0.01));
    expect(b.optimizer!.iterations).toBe(1);
  });

  it('handles an optimizer that never ran (Keras writes only iterations and learning_rate)', async () => {
    const a = trainable();
    a.compile({ optimizer: new Adam({ learningRate: 2 ** -6 }), loss: 'mse' });
    const bytes = await writeKerasWeights(a, { includeOptimizer: true });
    const r = await openH5(bytes);
    expect(r.keys('optimizer/vars')).toEqual(['0', '1']);
    r.close();
    const b = trainable();
    b.compile({ optimizer: new Adam({ learningRate: 0.5 }), loss: 'mse' });
    expect((await readKerasWeights(b, bytes)).optimizer).toBe('loaded');
    expect(b.optimizer!.built).toBe(false);
    expect(b.optimizer!.learningRate).toBe(2 ** -6);
    a.trainOnBatch(x, y);
    b.trainOnBatch(x, y);
    expect(weightsOf(b)).toEqual(weightsOf(a));
  });

  it('maps slot order between Tessera (kind by kind) and Keras (interleaved groups)', () => {
    const a = trainable();
    const check = (opt: Optimizer, expected: (n: number) => number[]) => {
      opt.build(a.trainableWeights);
      expect(kerasSlotOrder(opt)).toEqual(expected(a.trainableWeights.length));
    };
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    // Adam: m_j at 1 + j, v_j at 1 + n + j; Keras: m0 v0 m1 v1 …, then all v̂.
    check(new Adam({ amsgrad: true }), (n) => [
      ...range(n).flatMap((j) => [1 + j, 1 + n + j]),
      ...range(n).map((j) => 1 + 2 * n + j),
    ]);
    // RMSprop: three separate groups, so the order is the same as Tessera's.
    check(new RMSprop({ momentum: 0.5, centered: true }), (n) => range(3 * n).map((i) => 1 + i));
    check(new SGD({ momentum: 0.9 }), (n) => range(n).map((i) => 1 + i));
    check(new SGD(), () => []);
  });

  it('refuses optimizer state for another optimizer', async () => {
    const a = trainable();
    a.compile({ optimizer: new Adam(), loss: 'mse' });
    a.trainOnBatch(x, y);
    const bytes = await writeKerasWeights(a, { includeOptimizer: true });
    const b = trainable();
    b.compile({ optimizer: new SGD({ momentum: 0.9 }), loss: 'mse' });
    await expect(readKerasWeights(b, bytes)).rejects.toThrow(/optimizer SGD has .* variables/);
    await expect(writeKerasWeights(trainable(), { includeOptimizer: true })).rejects.toThrow(
      /needs a compiled model/,
    );
  });
});

describe('legacy .h5', () => {
  it('round-trips through writeLegacyH5 (by order and by name)', async () => {
    const a = lstm();
    randomize(a);
    const bytes = await writeLegacyH5(a, { modelConfig: { class_name: 'Sequential' } });
    const legacy = await readLegacyH5(bytes);
    expect(legacy.modelConfig).toEqual({ class_name: 'Sequential' });
    expect(legacy.trainingConfig).toBeNull();
    expect(legacy.weights.map((w) => w.layerName)).toEqual(['embed', 'lstm', 'gru', 'prob']);
    expect(legacy.weights[1]!.weightNames).toEqual([
      'lstm/lstm/lstm_cell/kernel',
      'lstm/lstm/lstm_cell/recurrent_kernel',
      'lstm/lstm/lstm_cell/bias',
    ]);
    const b = lstm();
    loadLegacyWeights(b, legacy);
    expect(weightsOf(b)).toEqual(weightsOf(a));
    const c = lstm();
    loadLegacyWeights(c, legacy, { byName: true });
    expect(weightsOf(c)).toEqual(weightsOf(a));
  });

  it('has the same layout as the Keras-written legacy file', async () => {
    const m = mlp();
    const legacy = await readLegacyH5(file('mlp/mlp.h5'));
    loadLegacyWeights(m, legacy);
    const [ra, rb] = [await openH5(file('mlp/mlp.h5')), await openH5(await writeLegacyH5(m))];
    const keep = (s: Record<string, string>) =>
      Object.fromEntries(Object.entries(s).filter(([p]) => p.startsWith('model_weights')));
    expect(keep(structure(rb))).toEqual(keep(structure(ra)));
    expect(rb.attrs('model_weights/hidden').weight_names).toEqual(
      ra.attrs('model_weights/hidden').weight_names,
    );
    ra.close();
    rb.close();
  });

  it('reports layers by name and refuses mismatches with both shapes', async () => {
    const legacy = await readLegacyH5(file('mlp/mlp.h5'));
    const m = new Sequential({
      layers: [
        new Dense({ units: 64, inputShape: [784], name: 'hidden' }),
        new Dense({ units: 7, name: 'other' }),
      ],
    });
    const report = loadLegacyWeights(m, legacy, { byName: true });
    expect(report.loaded).toBe(2);
    expect(report.unmatchedLayers).toEqual(['other']);
    expect(report.unusedEntries).toEqual(['probs']);
    expect(() => loadLegacyWeights(m, legacy)).toThrow(ShapeError);
    expect(() => loadLegacyWeights(m, legacy)).toThrow(/'other'.*\[64, 7\].*\[64, 10\]/);
    const skipped = loadLegacyWeights(m, legacy, { skipMismatch: true });
    expect(skipped.skipped.map((s) => s.layer)).toEqual(['other']);
    const three = new Sequential({
      layers: [
        new Dense({ units: 2, inputShape: [3] }),
        new Dense({ units: 2 }),
        new Dense({ units: 2 }),
      ],
    });
    expect(() => loadLegacyWeights(three, legacy)).toThrow(/2 layers with weights .* has 3/);
  });

  it('refuses non-legacy and damaged files', async () => {
    await expect(readLegacyH5(file('mlp/mlp.weights.h5'))).rejects.toThrow(
      /not a legacy Keras HDF5 file.*readKerasWeights/,
    );
    await expect(readLegacyH5(file('mlp/mlp.h5').slice(0, 3000))).rejects.toBeInstanceOf(
      FormatError,
    );
    const zip = readZip(file('mlp/mlp.keras'));
    await expect(readLegacyH5(zip.get('config.json')!)).rejects.toBeInstanceOf(FormatError);
  });
});
