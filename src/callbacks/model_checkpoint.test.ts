import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { variable } from '../autograd/variable.js';
import {
  type CheckpointIO,
  loadCheckpointWeights,
  readCheckpoint,
} from '../io/checkpoint_format.js';
import { Dense } from '../layers/dense.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { SGD } from '../optimizers/sgd.js';
import type { Tensor } from '../tensor/tensor.js';
import { Callback, CallbackList, type Logs } from './callback.js';
import { ModelCheckpoint } from './model_checkpoint.js';

function fakeModel() {
  const w = variable(tensor([0, 0]), { name: 'layer/w' });
  return {
    name: 'fake',
    className: 'Fake',
    stopTraining: false,
    weights: [w],
    ...(() => {
      const optimizer = new SGD();
      return {
        compiled: { optimizer, metrics: null },
        optimizer,
        compileInfo: { optimizer, metrics: [] },
      };
    })(),
    getWeights: (): Tensor[] => [w.value()],
    setWeights: (ws: readonly Tensor[]) => void w.assign(ws[0]!),
    getConfig: () => ({ name: 'fake' }),
    set: (v: number[]) => void w.assign(tensor(v)),
  };
}
type Fake = ReturnType<typeof fakeModel>;

async function drive(cb: Callback, model: Fake, series: Logs[]): Promise<void> {
  const list = new CallbackList([cb], model as unknown as Model, {
    epochs: series.length,
    steps: 1,
    verbose: 0,
    samples: 1,
    batchSize: 1,
  });
  await list.call('onTrainBegin', {});
  for (let e = 0; e < series.length; e++) {
    await list.call('onEpochBegin', e, {});
    model.set([e, -e]);
    await list.call('onEpochEnd', e, { ...series[e] });
  }
  await list.call('onTrainEnd', {});
}

function smallModel(): Sequential {
  const m = new Sequential({
    layers: [new Dense({ units: 3, inputShape: [2], activation: 'relu' }), new Dense({ units: 1 })],
  });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}

const X = tensor([
  [1, 2],
  [2, 1],
  [3, 3],
  [-1, 2],
]);
const Y = tensor([[3], [3], [6], [1]]);

/** The flat float32 data of each weight. */
const flat = (ws: readonly Tensor[]) => ws.map((w) => Array.from(w.dataSync()));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

describe('ModelCheckpoint', () => {
  it('has the Keras defaults', () => {
    const c = new ModelCheckpoint({ filepath: 'x' });
    expect([
      c.monitor,
      c.verbose,
      c.saveBestOnly,
      c.saveWeightsOnly,
      c.mode,
      c.saveFreq,
      c.best,
    ]).toEqual(['val_loss', 0, false, false, 'auto', 'epoch', null]);
  });

  it('writes a file per epoch with formatted names, each holding that epoch’s weights exactly', async () => {
    const model = smallModel();
    const perEpoch: number[][][] = [];
    const recorder = new (class extends Callback {
      onEpochEnd() {
        perEpoch.push(flat(model.getWeights()));
      }
    })();
    const ckpt = new ModelCheckpoint({
      filepath: path.join(dir, 'ckpt', 'w.{epoch:02d}-{loss:.4f}.tsckpt'),
    });
    const h = await model.fit(X, Y, {
      epochs: 3,
      batchSize: 2,
      verbose: 0,
      callbacks: [recorder, ckpt],
    });
    const names = h.history.loss!.map(
      (l, e) => `w.${String(e + 1).padStart(2, '0')}-${l.toFixed(4)}.tsckpt`,
    );
    expect(fs.readdirSync(path.join(dir, 'ckpt')).sort()).toEqual(names);
    expect(ckpt.saved.map((p) => path.basename(p))).toEqual(names);
    for (let e = 0; e < 3; e++) {
      const c = await readCheckpoint(path.join(dir, 'ckpt', names[e]!));
      const ws = c.tensors.filter((t) => t.group === 'weights');
      expect(ws.map((t) => [t.name, t.shape, t.dtype])).toEqual(
        model.weights.map((w) => [w.name, w.shape, 'float32']),
      );
      expect(ws.map((t) => Array.from(t.values))).toEqual(perEpoch[e]);
      // The full save also holds the optimizer state, the config and the epoch's logs.
      const opt = c.tensors.filter((t) => t.group === 'optimizer');
      expect(opt[0]!.name).toBe('iterations');
      expect(opt[0]!.values[0]).toBe((e + 1) * 2);
      expect(c.metadata).toMatchObject({
        kind: 'model',
        epoch: e + 1,
        modelClass: 'Sequential',
        logs: { loss: h.history.loss![e] },
      });
      expect(c.metadata.modelConfig).toBeTypeOf('object');
    }
    // The last file loads back into a fresh model of the same architecture.
    const fresh = smallModel();
    await loadCheckpointWeights(fresh, path.join(dir, 'ckpt', names[2]!));
    expect(flat(fresh.getWeights())).toEqual(flat(model.getWeights()));
  });

  it('saveWeightsOnly writes only the weights', async () => {
    const model = smallModel();
    const p = path.join(dir, 'w.tsckpt');
    await model.fit(X, Y, {
      epochs: 1,
      verbose: 0,
      callbacks: [new ModelCheckpoint({ filepath: p, saveWeightsOnly: true })],
    });
    const c = await readCheckpoint(p);
    expect(c.tensors.every((t) => t.group === 'weights')).toBe(true);
    expect(c.tensors.length).toBe(4);
    expect(c.metadata.kind).toBe('weights');
    expect(c.metadata.modelConfig).toBeUndefined();
  });

  it('saveBestOnly writes only on improvement', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const m = fakeModel();
    const ckpt = new ModelCheckpoint({
      filepath: path.join(dir, 'e{epoch}.tsckpt'),
      saveBestOnly: true,
      verbose: 1,
    });
    await drive(ckpt, m, [
      { val_loss: 1 },
      { val_loss: 0.5 },
      { val_loss: 0.7 },
      { val_loss: 0.4 },
      { val_loss: 0.4 },
    ]);
    expect(fs.readdirSync(dir).sort()).toEqual(['e1.tsckpt', 'e2.tsckpt', 'e4.tsckpt']);
    expect(ckpt.best).toBe(0.4);
    expect(log.mock.calls.map((c) => c[0])).toEqual([
      `\nEpoch 1: val_loss improved from None to 1.00000, saving model to ${path.join(dir, 'e1.tsckpt')}`,
      `\nEpoch 2: val_loss improved from 1.00000 to 0.50000, saving model to ${path.join(dir, 'e2.tsckpt')}`,
      '\nEpoch 3: val_loss did not improve from 0.50000',
      `\nEpoch 4: val_loss improved from 0.50000 to 0.40000, saving model to ${path.join(dir, 'e4.tsckpt')}`,
      '\nEpoch 5: val_loss did not improve from 0.40000',
    ]);
    // The saved weights are those of the best epoch (index 3).
    expect(
      Array.from((await readCheckpoint(path.join(dir, 'e4.tsckpt'))).tensors[0]!.values),
    ).toEqual([3, -3]);
  });

  it('saveBestOnly without fields overwrites one file with each new best; mode max; threshold', async () => {
    const p = path.join(dir, 'best.tsckpt');
    const ckpt = new ModelCheckpoint({ filepath: p, monitor: 'val_accuracy', saveBestOnly: true });
    await drive(
      ckpt,
      fakeModel(),
      [0.5, 0.7, 0.6, 0.8, 0.75].map((v) => ({ val_accuracy: v })),
    );
    expect(fs.readdirSync(dir)).toEqual(['best.tsckpt']);
    expect((await readCheckpoint(p)).metadata.epoch).toBe(4);
    expect(ckpt.saved.length).toBe(3);
    const gated = new ModelCheckpoint({
      filepath: path.join(dir, 'g{epoch}.tsckpt'),
      saveBestOnly: true,
      initialValueThreshold: 0.45,
    });
    await drive(
      gated,
      fakeModel(),
      [0.5, 0.4, 0.42, 0.3].map((v) => ({ val_loss: v })),
    );
    expect(gated.saved.map((s) => path.basename(s))).toEqual(['g2.tsckpt', 'g4.tsckpt']);
  });

  it('saveBestOnly with the monitored key missing warns once and saves anyway (Keras 3)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const ckpt = new ModelCheckpoint({
      filepath: path.join(dir, 'e{epoch}.tsckpt'),
      saveBestOnly: true,
    });
    await drive(ckpt, fakeModel(), [{ loss: 1 }, { loss: 2 }]);
    expect(ckpt.saved.length).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(
      /`val_loss` which is not available. Available metrics are: loss/,
    );
  });

  it('saveFreq N saves every N training batches, across epochs, with {batch}', async () => {
    const model = smallModel();
    const ckpt = new ModelCheckpoint({
      filepath: path.join(dir, 'e{epoch}-b{batch}.tsckpt'),
      saveFreq: 3,
      saveWeightsOnly: true,
    });
    await model.fit(X, Y, { epochs: 2, batchSize: 1, verbose: 0, callbacks: [ckpt] });
    // 4 batches per epoch: global batches 3 and 6 → epoch 1 batch 3, epoch 2 batch 2.
    expect(fs.readdirSync(dir).sort()).toEqual(['e1-b3.tsckpt', 'e2-b2.tsckpt']);
    expect((await readCheckpoint(path.join(dir, 'e2-b2.tsckpt'))).metadata).toMatchObject({
      epoch: 2,
      batch: 2,
    });
  });

  it('a failed write leaves the previous checkpoint intact', async () => {
    const model = smallModel();
    const p = path.join(dir, 'w.tsckpt');
    await model.fit(X, Y, { epochs: 1, verbose: 0, callbacks: [new ModelCheckpoint(p)] });
    const before = fs.readFileSync(p);
    const ckpt = new ModelCheckpoint(p);
    ckpt.io = {
      writeNew: async (tmp, data) => {
        fs.writeFileSync(tmp, data.subarray(0, 10));
        throw new Error('EIO: i/o error, write');
      },
      rename: async (a, b) => fs.renameSync(a, b),
      remove: async (q) => fs.rmSync(q, { force: true }),
      mkdirs: async () => {},
    } satisfies CheckpointIO;
    await expect(model.fit(X, Y, { epochs: 1, verbose: 0, callbacks: [ckpt] })).rejects.toThrow(
      /EIO/,
    );
    expect(fs.readFileSync(p)).toEqual(before);
    expect(fs.readdirSync(dir)).toEqual(['w.tsckpt']);
  });

  it('truncated or corrupted checkpoints are refused on load', async () => {
    const model = smallModel();
    const p = path.join(dir, 'w.tsckpt');
    await model.fit(X, Y, { epochs: 1, verbose: 0, callbacks: [new ModelCheckpoint(p)] });
    const bytes = fs.readFileSync(p);
    fs.writeFileSync(p, bytes.subarray(0, bytes.length - 1));
    await expect(loadCheckpointWeights(smallModel(), p)).rejects.toThrow(/is truncated/);
    const flipped = Buffer.from(bytes);
    flipped.write('X', 2);
    fs.writeFileSync(p, flipped);
    await expect(readCheckpoint(p)).rejects.toThrow(/not a Tessera checkpoint/);
    fs.writeFileSync(p, bytes);
    const other = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    await expect(loadCheckpointWeights(other, p)).rejects.toThrow(/holds 4 weights but .* has 2/);
  });

  it('names the missing field when the filepath cannot be formatted', async () => {
    const model = smallModel();
    const ckpt = new ModelCheckpoint({ filepath: path.join(dir, 'w-{val_acc:.2f}.tsckpt') });
    await expect(model.fit(X, Y, { epochs: 1, verbose: 0, callbacks: [ckpt] })).rejects.toThrow(
      /ModelCheckpoint: failed to format the filepath ".*w-\{val_acc:.2f\}.tsckpt". Reason: No value for field '\{val_acc\}'.*available: loss, epoch/,
    );
  });

  it('refuses a directory as filepath and bad options', async () => {
    const ckpt = new ModelCheckpoint({ filepath: dir });
    await expect(drive(ckpt, fakeModel(), [{ val_loss: 1 }])).rejects.toThrow(
      /non-directory filepath/,
    );
    expect(() => new ModelCheckpoint({ filepath: '' })).toThrow(
      /filepath must be a non-empty string/,
    );
    expect(() => new ModelCheckpoint({ filepath: 'a', initialValueThreshold: Number.NaN })).toThrow(
      /initialValueThreshold must be a number/,
    );
    expect(() => new ModelCheckpoint({ filepath: 'a', saveFreq: 0 })).toThrow(
      /unrecognized saveFreq 0/,
    );
    expect(() => new ModelCheckpoint({ filepath: 'a', saveFreq: 'batch' as never })).toThrow(
      /unrecognized saveFreq "batch"/,
    );
  });
});
