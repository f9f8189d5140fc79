import { afterEach, describe, expect, it, vi } from 'vitest';
import { variable } from '../autograd/variable.js';
import { Dense } from '../layers/dense.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { arange, tensor, zeros } from '../ops/creation.js';
import { SGD } from '../optimizers/sgd.js';
import type { Tensor } from '../tensor/tensor.js';
import { Callback, CallbackList, type Logs } from './callback.js';
import { EarlyStopping } from './early_stopping.js';
import { directionFromName } from './monitor.js';

/** What callbacks touch on a model: weights, the stop flag and the optimizer. */
function fakeModel(init = [0]) {
  const w = variable(tensor(init), { name: 'layer/w' });
  return {
    name: 'fake',
    className: 'Fake',
    stopTraining: false,
    weights: [w],
    ...(() => {
      const optimizer = new SGD({ learningRate: 0.1 });
      return {
        compiled: { optimizer, metrics: null },
        optimizer,
        compileInfo: { optimizer, metrics: [] },
      };
    })(),
    getWeights: (): Tensor[] => [w.value()],
    setWeights: (ws: readonly Tensor[]) => void w.assign(ws[0]!),
    getConfig: () => ({}),
    value: () => [...w.dataSync()],
    set: (v: number[]) => void w.assign(tensor(v)),
  };
}
type Fake = ReturnType<typeof fakeModel>;

/**
 * Runs the epoch hooks as `fit` does, with the given epoch logs; `beforeEnd(e)` runs before
 * each epoch's end (to change the weights as training would). Returns the epochs run.
 */
async function drive(
  cb: Callback,
  model: Fake,
  series: Logs[],
  beforeEnd?: (e: number) => void,
): Promise<number> {
  const list = new CallbackList([cb], model as unknown as Model, {
    epochs: series.length,
    steps: 1,
    verbose: 0,
    samples: 1,
    batchSize: 1,
  });
  model.stopTraining = false;
  await list.call('onTrainBegin', {});
  let e = 0;
  for (; e < series.length && !model.stopTraining; e++) {
    await list.call('onEpochBegin', e, {});
    beforeEnd?.(e);
    await list.call('onEpochEnd', e, { ...series[e] });
  }
  await list.call('onTrainEnd', {});
  return e;
}

const losses = (...v: number[]): Logs[] => v.map((x) => ({ loss: x, val_loss: x }));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('EarlyStopping', () => {
  it('has the Keras defaults', () => {
    const es = new EarlyStopping();
    expect([
      es.monitor,
      es.minDelta,
      es.patience,
      es.verbose,
      es.mode,
      es.baseline,
      es.restoreBestWeights,
      es.startFromEpoch,
    ]).toEqual(['val_loss', 0, 0, 0, 'auto', null, false, 0]);
  });

  it('stops after patience epochs without improvement', async () => {
    const m = fakeModel();
    const es = new EarlyStopping({ patience: 2 });
    // best at epoch 1; epochs 2 and 3 do not improve → stop after epoch 3.
    expect(await drive(es, m, losses(1, 0.9, 0.95, 0.96, 0.97, 0.5))).toBe(4);
    expect(es.stoppedEpoch).toBe(3);
    expect(es.best).toBe(0.9);
    expect(m.stopTraining).toBe(true);
  });

  it('patience 0 stops at the first epoch without improvement, never at epoch 0', async () => {
    const es = new EarlyStopping({ monitor: 'loss' });
    expect(await drive(es, fakeModel(), losses(1, 0.5, 0.6, 0.1))).toBe(3);
    expect(es.stoppedEpoch).toBe(2);
  });

  it('counts a change smaller than minDelta as no improvement, whatever its sign', async () => {
    const es = new EarlyStopping({ minDelta: -0.05, patience: 1 });
    expect(es.minDelta).toBe(0.05);
    expect(await drive(es, fakeModel(), losses(1, 0.99, 0.5))).toBe(2);
    const es2 = new EarlyStopping({ minDelta: 0.005, patience: 1 });
    expect(await drive(es2, fakeModel(), losses(1, 0.99, 0.98, 1))).toBe(4);
  });

  it('restoreBestWeights restores the best epoch at the end, even without an early stop (Keras 3)', async () => {
    const m = fakeModel();
    const es = new EarlyStopping({ patience: 10, restoreBestWeights: true, verbose: 1 });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    // Epoch e leaves weights [e]; the best val_loss is at epoch 1.
    expect(await drive(es, m, losses(3, 1, 2, 4), (e) => m.set([e]))).toBe(4);
    expect(es.stoppedEpoch).toBe(0);
    expect(es.bestEpoch).toBe(1);
    expect(m.value()).toEqual([1]);
    expect(log).toHaveBeenCalledWith('Restoring model weights from the end of the best epoch: 2.');
  });

  it('restoreBestWeights after an early stop; the snapshot is a copy', async () => {
    const m = fakeModel();
    const es = new EarlyStopping({ patience: 1, restoreBestWeights: true, verbose: 1 });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await drive(es, m, losses(5, 2, 3, 1), (e) => m.set([10 + e]))).toBe(3);
    expect(m.value()).toEqual([11]);
    expect(log).toHaveBeenCalledWith('Epoch 3: early stopping');
    // Without restoreBestWeights the last weights stay.
    const m2 = fakeModel();
    await drive(new EarlyStopping({ patience: 1 }), m2, losses(5, 2, 3, 1), (e) =>
      m2.set([10 + e]),
    );
    expect(m2.value()).toEqual([12]);
  });

  it('baseline: improving epochs that do not beat it do not reset the wait', async () => {
    // Without a baseline: best at 0, waits 1 and 2 → stops after epoch 2.
    const plain = new EarlyStopping({ patience: 2 });
    expect(await drive(plain, fakeModel(), losses(0.9, 0.95, 0.96, 0.97))).toBe(3);
    // With a baseline never beaten: the first epoch already counts → stops after epoch 1.
    const base = new EarlyStopping({ patience: 2, baseline: 0.5 });
    expect(await drive(base, fakeModel(), losses(0.9, 0.95, 0.96, 0.97))).toBe(2);
    expect(base.stoppedEpoch).toBe(1);
    // A beaten baseline behaves as no baseline.
    const beaten = new EarlyStopping({ patience: 2, baseline: 0.5 });
    expect(await drive(beaten, fakeModel(), losses(0.4, 0.45, 0.46, 0.47))).toBe(3);
  });

  it('restores weights from within the patience window when the baseline is never beaten', async () => {
    const m = fakeModel();
    const es = new EarlyStopping({ patience: 3, baseline: 0.1, restoreBestWeights: true });
    await drive(es, m, losses(0.9, 0.7, 0.8, 0.85, 0.86), (e) => m.set([e]));
    expect(m.value()).toEqual([1]);
  });

  it('mode max for accuracy-like monitors (auto) and explicit max', async () => {
    const acc = (...v: number[]) => v.map((x) => ({ loss: 1, val_accuracy: x }));
    const auto = new EarlyStopping({ monitor: 'val_accuracy', patience: 2 });
    expect(await drive(auto, fakeModel(), acc(0.5, 0.6, 0.55, 0.58, 0.59))).toBe(4);
    expect(auto.direction).toBe('max');
    expect(auto.best).toBe(0.6);
    const asMin = new EarlyStopping({ monitor: 'val_accuracy', patience: 2, mode: 'min' });
    expect(await drive(asMin, fakeModel(), acc(0.5, 0.6, 0.55, 0.58, 0.59))).toBe(3);
    const max = new EarlyStopping({ monitor: 'score', patience: 1, mode: 'max' });
    expect(
      await drive(max, fakeModel(), [{ score: 1 }, { score: 2 }, { score: 1.5 }, { score: 3 }]),
    ).toBe(3);
  });

  it('infers directions from names as Keras metrics declare them', () => {
    const cases: [string, 'min' | 'max'][] = [
      ['loss', 'min'],
      ['val_loss', 'min'],
      ['out_a_loss', 'min'],
      ['accuracy', 'max'],
      ['val_acc', 'max'],
      ['val_sparse_categorical_accuracy', 'max'],
      ['out_b_accuracy', 'max'],
      ['auc', 'max'],
      ['val_auc_1', 'max'],
      ['precision', 'max'],
      ['val_recall', 'max'],
      ['f1_score', 'max'],
      ['r2_score', 'max'],
      ['mean_iou', 'max'],
      ['true_positives', 'max'],
      ['false_positives', 'min'],
      ['mse', 'min'],
      ['val_mean_absolute_error', 'min'],
      ['categorical_crossentropy', 'min'],
    ];
    for (const [name, dir] of cases) expect([name, directionFromName(name)]).toEqual([name, dir]);
  });

  it('warns once, listing the available keys, when the monitored key is missing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const m = fakeModel();
    const es = new EarlyStopping({ monitor: 'val_acc', patience: 0 });
    expect(
      await drive(es, m, [
        { loss: 1, accuracy: 0.5 },
        { loss: 2, accuracy: 0.4 },
        { loss: 3, accuracy: 0.3 },
      ]),
    ).toBe(3);
    expect(m.stopTraining).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe(
      'Early stopping conditioned on metric `val_acc` which is not available. Available metrics are: loss,accuracy',
    );
  });

  it('startFromEpoch ignores the warm-up epochs', async () => {
    const es = new EarlyStopping({ monitor: 'loss', startFromEpoch: 2 });
    // Worsening during warm-up is ignored; epoch 2 is the first monitored, epoch 3 stops.
    expect(await drive(es, fakeModel(), losses(1, 2, 3, 4, 5))).toBe(4);
    expect(es.best).toBe(3);
  });

  it('resets its state when reused for another fit', async () => {
    const es = new EarlyStopping({ monitor: 'loss', patience: 1 });
    expect(await drive(es, fakeModel(), losses(1, 2, 3))).toBe(2);
    // A fresh run: the old best (1) must not make 5 look like no improvement.
    expect(await drive(es, fakeModel(), losses(5, 4, 3))).toBe(3);
    expect(es.stoppedEpoch).toBe(0);
  });

  it('refuses invalid options; unknown modes fall back to auto with a warning', () => {
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(
      /patience must be a non-negative integer/,
    );
    expect(() => new EarlyStopping({ startFromEpoch: 1.5 })).toThrow(/startFromEpoch/);
    expect(() => new EarlyStopping({ monitor: '' })).toThrow(/monitor must be a non-empty string/);
    expect(() => new EarlyStopping({ baseline: Number.NaN })).toThrow(/baseline must be a number/);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(new EarlyStopping({ mode: 'up' as never }).mode).toBe('auto');
    expect(warn).toHaveBeenCalledWith("EarlyStopping mode 'up' is unknown, fallback to auto mode.");
  });

  describe('in fit', () => {
    it("Keras's example: patience 3 on a diverging loss runs 4 epochs", async () => {
      const model = new Sequential({ layers: [new Dense({ units: 10 })] });
      model.compile({ optimizer: new SGD(), loss: 'mse' });
      const x = arange(100).reshape([5, 20]);
      const history = await model.fit(x, zeros([5, 10]), {
        epochs: 10,
        batchSize: 1,
        verbose: 0,
        callbacks: [new EarlyStopping({ monitor: 'loss', patience: 3 })],
      });
      expect(history.history.loss!.length).toBe(4);
    });

    it('restoreBestWeights puts back the weights of the lowest-loss epoch', async () => {
      const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
      model.setWeights([zeros([2, 1]), zeros([1])]);
      // Per-sample steps with a large learning rate on inconsistent targets: the epoch loss
      // goes up and down, so the best epoch is not the last.
      model.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'mse' });
      const x = tensor([
        [1, 2],
        [2, 1],
        [3, 3],
        [-1, 2],
        [0, 1],
        [2, 2],
      ]);
      const y = tensor([[3], [1], [6], [4], [0], [5]]);
      const snapshots: number[][] = [];
      const recorder = new (class extends Callback {
        onEpochEnd() {
          snapshots.push(model.getWeights().flatMap((w) => [...w.dataSync()]));
        }
      })();
      const es = new EarlyStopping({ monitor: 'loss', patience: 100, restoreBestWeights: true });
      const h = await model.fit(x, y, {
        epochs: 10,
        batchSize: 1,
        shuffle: false,
        verbose: 0,
        callbacks: [recorder, es],
      });
      const loss = h.history.loss!;
      const best = loss.indexOf(Math.min(...loss));
      expect(loss.length).toBe(10);
      expect(best).toBeLessThan(9);
      expect(es.bestEpoch).toBe(best);
      expect(model.getWeights().flatMap((w) => [...w.dataSync()])).toEqual(snapshots[best]);
    });
  });
});
