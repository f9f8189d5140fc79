import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import { input } from '../layers/input_layer.js';
import { LSTM } from '../layers/rnn/lstm.js';
import { model as functional } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, randomUniform, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { FormatError } from './errors.js';
import { type FileOps, atomicWriteFile } from './files.js';
import {
  loadModel,
  loadModelFromBytes,
  loadWeights,
  modelToKerasBytes,
  saveModel,
} from './save_load.js';

const MODELS = process.env.TESSERA_MODELS_DIR ?? '../shared/models';
const tmp = mkdtempSync(join(tmpdir(), 'tessera-io-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Arr {
  shape: number[];
  dtype: string;
  data: unknown;
}
function fixture(dir: string): { inputs: Tensor[]; outputs: Tensor[] } {
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const conv = (a: Arr) =>
    tensor(a.data as number[], a.shape, a.dtype === 'int32' ? 'int32' : 'float32');
  return {
    inputs: (read('input.json').inputs as Arr[]).map(conv),
    outputs: (read('expected.json').outputs as Arr[]).map(conv),
  };
}

function predictAll(m: import('../models/model.js').Model, xs: Tensor[]): Tensor[] {
  return m.applyMulti(xs.length === 1 ? xs[0]! : xs);
}

describe.runIf(existsSync(MODELS))('reference models written by Keras and TF.js', () => {
  for (const name of ['mlp', 'cnn', 'lstm']) {
    for (const file of [`${name}.keras`, `${name}.h5`]) {
      it(`keras/${name}/${file} reproduces expected.json`, async () => {
        const dir = join(MODELS, 'keras', name);
        const m = await loadModel(join(dir, file));
        const { inputs, outputs } = fixture(dir);
        predictAll(m, inputs).forEach((y, i) =>
          expectClose(y, outputs[i]!, { rtol: 1e-5, atol: 1e-6 }),
        );
      });
    }
    it(`keras/${name}/${name}.weights.h5 loads into the rebuilt architecture`, async () => {
      const dir = join(MODELS, 'keras', name);
      const m = await loadModel(join(dir, `${name}.keras`));
      for (const w of m.weights) w.assign(w.mul(0));
      const report = (await loadWeights(m, join(dir, `${name}.weights.h5`))) as { loaded: number };
      expect(report.loaded).toBe(m.weights.length);
      const { inputs, outputs } = fixture(dir);
      predictAll(m, inputs).forEach((y, i) =>
        expectClose(y, outputs[i]!, { rtol: 1e-5, atol: 1e-6 }),
      );
    });
  }
  for (const name of ['mlp', 'cnn']) {
    it(`tfjs/${name}/model.json reproduces expected.json`, async () => {
      const dir = join(MODELS, 'tfjs', name);
      const m = await loadModel(join(dir, 'model.json'));
      const { inputs, outputs } = fixture(dir);
      predictAll(m, inputs).forEach((y, i) =>
        expectClose(y, outputs[i]!, { rtol: 1e-5, atol: 1e-6 }),
      );
    });
  }
});

function seqModel() {
  setSeed(5);
  const m = new Sequential({
    layers: [
      new Embedding({ inputDim: 20, outputDim: 4, inputShape: [6], name: 'emb' }),
      new LSTM({ units: 5, name: 'rnn' }),
      new Dense({ units: 2, activation: 'softmax', name: 'out' }),
    ],
  });
  return m;
}

describe('round trips', () => {
  it('.keras: save and load predict bit-identically, in bytes and on disk', async () => {
    const m = seqModel();
    const x = randomUniform([3, 6], 0, 20, { dtype: 'int32' });
    const y = m.apply(x);
    const m2 = await loadModelFromBytes(await modelToKerasBytes(m));
    expect(Array.from(m2.apply(x).dataSync())).toEqual(Array.from(y.dataSync()));
    const path = join(tmp, 'seq.keras');
    await m.save(path);
    const m3 = await loadModel(path);
    expect(Array.from(m3.apply(x).dataSync())).toEqual(Array.from(y.dataSync()));
  });

  it('TF.js directory: save and load predict bit-identically', async () => {
    const a = input({ shape: [4], name: 'a' });
    const h = new Dense({ units: 3, activation: 'relu', name: 'h' }).apply(a);
    const m = functional({ inputs: a, outputs: new Dense({ units: 2, name: 'o' }).apply(h) });
    const dir = join(tmp, 'tfjs_out');
    await saveModel(m, dir);
    expect(existsSync(join(dir, 'model.json'))).toBe(true);
    const x = randomNormal([5, 4]);
    const m2 = await loadModel(dir);
    expect(Array.from(m2.apply(x).dataSync())).toEqual(Array.from(m.apply(x).dataSync()));
  });

  it('the optimizer state resumes training as if uninterrupted', async () => {
    const make = () => {
      setSeed(9);
      const m = new Sequential({
        layers: [
          new Dense({ units: 4, activation: 'tanh', inputShape: [3] }),
          new Dense({ units: 1 }),
        ],
      });
      m.compile({ optimizer: 'adam', loss: 'mse' });
      return m;
    };
    const x = randomNormal([16, 3]);
    const y = randomNormal([16, 1]);
    const a = make();
    for (let i = 0; i < 4; i++) a.trainOnBatch(x, y);
    const b = make();
    b.trainOnBatch(x, y);
    b.trainOnBatch(x, y);
    const c = await loadModelFromBytes(await modelToKerasBytes(b));
    c.trainOnBatch(x, y);
    c.trainOnBatch(x, y);
    a.getWeights().forEach((w, i) =>
      expect(Array.from(c.getWeights()[i]!.dataSync())).toEqual(Array.from(w.dataSync())),
    );
  });

  it('saveWeights / loadWeights in both formats, by order and by name; mismatches name the weight', async () => {
    const m = seqModel();
    for (const ext of ['weights.h5', 'weights.bin']) {
      const p = join(tmp, `w.${ext}`);
      await m.saveWeights(p);
      const m2 = seqModel();
      for (const w of m2.weights) w.assign(w.mul(0));
      await m2.loadWeights(p, { byName: ext.endsWith('bin') });
      m.getWeights().forEach((w, i) =>
        expect(Array.from(m2.getWeights()[i]!.dataSync())).toEqual(Array.from(w.dataSync())),
      );
    }
    const other = new Sequential({
      layers: [
        new Embedding({ inputDim: 20, outputDim: 5, inputShape: [6] }),
        new LSTM({ units: 5 }),
        new Dense({ units: 2 }),
      ],
    });
    await expect(other.loadWeights(join(tmp, 'w.weights.h5'))).rejects.toThrow(
      /embedding.*'embeddings'.*\[20, 5\].*\[20, 4\]/,
    );
  });

  it('a failed write leaves the old file intact (atomic save)', async () => {
    const path = join(tmp, 'atomic.bin');
    writeFileSync(path, 'old contents');
    const failing: FileOps = {
      writeNew: async (p) => {
        writeFileSync(p, 'partial');
        throw new Error('disk full');
      },
      rename: async () => undefined,
      remove: async (p) => rmSync(p, { force: true }),
      mkdirs: async () => undefined,
    };
    await expect(atomicWriteFile(path, new Uint8Array([1, 2, 3]), failing)).rejects.toThrow(
      /disk full/,
    );
    expect(readFileSync(path, 'utf8')).toBe('old contents');
  });

  it('refuses bytes that are no model file', async () => {
    await expect(loadModelFromBytes(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(FormatError);
  });
});

describe('ModelCheckpoint with Keras formats', () => {
  it('writes .keras and .weights.h5 files that load back', async () => {
    const { ModelCheckpoint } = await import('../callbacks/model_checkpoint.js');
    const m = seqModel();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = randomUniform([8, 6], 0, 20, { dtype: 'int32' });
    const y = randomUniform([8], 0, 2, { dtype: 'int32' });
    const kerasPath = join(tmp, 'ckpt-{epoch:02d}.keras');
    const weightsPath = join(tmp, 'ckpt.weights.h5');
    await m.fit(x, y, {
      epochs: 2,
      verbose: 0,
      callbacks: [
        new ModelCheckpoint({ filepath: kerasPath, monitor: 'loss' }),
        new ModelCheckpoint({ filepath: weightsPath, monitor: 'loss', saveWeightsOnly: true }),
      ],
    });
    const loaded = await loadModel(join(tmp, 'ckpt-02.keras'));
    expect(Array.from(loaded.apply(x).dataSync())).toEqual(Array.from(m.apply(x).dataSync()));
    const fresh = seqModel();
    await fresh.loadWeights(weightsPath);
    expect(Array.from(fresh.apply(x).dataSync())).toEqual(Array.from(m.apply(x).dataSync()));
  });
});

describe('weight files written in the old order (moving statistics last)', () => {
  it('load by name when the names match in another order, with weightsFromBytes and loadCheckpointWeights', async () => {
    const { BatchNormalization } = await import('../layers/normalization.js');
    const { encodeCheckpoint, loadCheckpointWeights } = await import('./checkpoint_format.js');
    const { weightsFromBytes } = await import('./save_load.js');
    const build = () =>
      new Sequential({
        layers: [
          // Fixed names, as a fresh process gives a script's layers.
          new Dense({ units: 3, inputShape: [2], name: 'd1' }),
          new BatchNormalization({ name: 'bn' }),
          new Dense({ units: 1, name: 'd2' }),
        ],
      });
    setSeed(7);
    const src = build();
    // Distinct values everywhere so that a positional mix-up of equal shapes shows.
    src.setWeights(src.weights.map((w) => randomUniform([...w.shape], 0.5, 1.5)));
    const named = src.weights.map((w) => ({
      name: w.name,
      group: 'weights',
      shape: [...w.shape],
      dtype: w.dtype,
      values: w.dataSync().slice() as Float32Array,
      trainable: w.trainable,
    }));
    // The order before model.weights followed Keras 3: every trainable weight, then the rest.
    const old = [...named.filter((t) => t.trainable), ...named.filter((t) => !t.trainable)];
    expect(old.map((t) => t.name)).not.toEqual(named.map((t) => t.name));
    const strip = (ts: typeof old) => ts.map(({ trainable: _, ...t }) => t);
    const expected = src.weights.map((w) => [...w.dataSync()]);

    const a = build();
    weightsFromBytes(a, encodeCheckpoint(strip(old), { format: 'tessera-weights' }));
    expect(a.weights.map((w) => [...w.dataSync()])).toEqual(expected);

    const p = join(tmp, 'old-order.tsckpt');
    writeFileSync(p, encodeCheckpoint(strip(old)));
    const b = build();
    await loadCheckpointWeights(b, p);
    expect(b.weights.map((w) => [...w.dataSync()])).toEqual(expected);
  });
});

describe('a .keras written by Keras 2 (metadata.json keras_version 2.x)', () => {
  it("reads hard_sigmoid as Keras 2's clip(0.2x + 0.5, 0, 1), and as Keras 3's for a 3.x archive", async () => {
    const { readZip, writeZip } = await import('./zip.js');
    const m = new Sequential({
      layers: [new LSTM({ units: 2, recurrentActivation: 'hardSigmoid', inputShape: [3, 2] })],
    });
    const bytes = await modelToKerasBytes(m);
    const withVersion = (v: string) => {
      const entries = Object.fromEntries(readZip(bytes));
      entries['metadata.json'] = new TextEncoder().encode(JSON.stringify({ keras_version: v }));
      return writeZip(entries);
    };
    const act = async (v: string) =>
      ((await loadModelFromBytes(withVersion(v))).layers[0]!.getConfig() as Record<string, unknown>)
        .recurrentActivation;
    expect(await act('2.13.1')).toBe('hardSigmoidKeras2');
    expect(await act('3.15.1')).toBe('hardSigmoid');
  });
});
