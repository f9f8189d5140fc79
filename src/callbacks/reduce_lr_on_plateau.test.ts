import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dense } from '../layers/dense.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { ExponentialDecay } from '../optimizers/schedules.js';
import { SGD } from '../optimizers/sgd.js';
import { CallbackList, type Logs } from './callback.js';
import { ReduceLROnPlateau } from './reduce_lr_on_plateau.js';

function fakeModel(opt = new SGD({ learningRate: 0.1 })) {
  // The callback reads the model's public compile API: optimizer and compileInfo.
  return {
    name: 'fake',
    stopTraining: false,
    compiled: { optimizer: opt, metrics: null },
    optimizer: opt,
    compileInfo: { optimizer: opt, metrics: [] },
  };
}

/** Runs the epoch hooks with the given logs; returns, per epoch, the logs after the callback and the lr after it. */
async function drive(cb: ReduceLROnPlateau, model: ReturnType<typeof fakeModel>, series: Logs[]) {
  const list = new CallbackList([cb], model as unknown as Model, {
    epochs: series.length,
    steps: 1,
    verbose: 0,
    samples: 1,
    batchSize: 1,
  });
  const out: { logs: Logs; lr: number }[] = [];
  await list.call('onTrainBegin', {});
  for (let e = 0; e < series.length; e++) {
    const logs = { ...series[e] };
    await list.call('onEpochBegin', e, {});
    await list.call('onEpochEnd', e, logs);
    out.push({ logs, lr: model.compiled.optimizer.learningRate as number });
  }
  await list.call('onTrainEnd', {});
  return out;
}

const flat = (n: number, v = 1): Logs[] => Array.from({ length: n }, () => ({ val_loss: v }));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ReduceLROnPlateau', () => {
  it('has the Keras defaults', () => {
    const r = new ReduceLROnPlateau();
    expect([
      r.monitor,
      r.factor,
      r.patience,
      r.verbose,
      r.mode,
      r.minDelta,
      r.cooldown,
      r.minLr,
    ]).toEqual(['val_loss', 0.1, 10, 0, 'auto', 1e-4, 0, 0]);
  });

  it('lowers the learning rate after patience epochs without improvement and logs learning_rate', async () => {
    const m = fakeModel();
    const r = new ReduceLROnPlateau({ factor: 0.5, patience: 2 });
    const run = await drive(r, m, flat(6));
    expect(run.map((x) => x.lr)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    // The log holds the rate used during the epoch (read before any reduction), as Keras.
    expect(run.map((x) => x.logs.learning_rate)).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it('an improvement resets the wait; changes under minDelta are no improvement', async () => {
    const m = fakeModel();
    const r = new ReduceLROnPlateau({ patience: 2, factor: 0.5 });
    // 1 → 0.5 improves; 0.49995 is within minDelta (1e-4) of 0.5; 0.4 improves; then stalls.
    const run = await drive(
      r,
      m,
      [1, 0.5, 0.49995, 0.4, 0.4, 0.4].map((v) => ({ val_loss: v })),
    );
    expect(run.map((x) => x.lr)).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.05]);
  });

  it('honours the cooldown', async () => {
    const m = fakeModel();
    const r = new ReduceLROnPlateau({ patience: 1, cooldown: 2, factor: 0.5 });
    const run = await drive(r, m, flat(7));
    // As Keras: the cooldown counter is decremented at the start of each epoch's check, so
    // cooldown 2 skips one epoch: reductions at epochs 1, 3 and 5.
    expect(run.map((x) => x.lr)).toEqual([0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125]);
    expect(r.inCooldown()).toBe(true);
  });

  it('never goes below minLr', async () => {
    const m = fakeModel();
    const r = new ReduceLROnPlateau({ patience: 1, factor: 0.1, minLr: 0.005 });
    const run = await drive(r, m, flat(5));
    expect(run.map((x) => x.lr)).toEqual([0.1, 0.1 * 0.1, 0.005, 0.005, 0.005]);
  });

  it('maximizes accuracy-like monitors', async () => {
    const m = fakeModel();
    const r = new ReduceLROnPlateau({ monitor: 'val_accuracy', patience: 1, factor: 0.5 });
    const run = await drive(
      r,
      m,
      [0.5, 0.6, 0.7, 0.65].map((v) => ({ val_accuracy: v })),
    );
    expect(run.map((x) => x.lr)).toEqual([0.1, 0.1, 0.1, 0.05]);
  });

  it('prints its message with verbose 1', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await drive(
      new ReduceLROnPlateau({ patience: 1, factor: 0.5, verbose: 1 }),
      fakeModel(),
      flat(2),
    );
    expect(log).toHaveBeenCalledWith(
      '\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.05.',
    );
  });

  it('warns once when the monitor is missing and still logs learning_rate', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const run = await drive(new ReduceLROnPlateau({ patience: 0 }), fakeModel(), [
      { loss: 1 },
      { loss: 2 },
    ]);
    expect(run.map((x) => x.lr)).toEqual([0.1, 0.1]);
    expect(run[1]!.logs).toEqual({ loss: 2, learning_rate: 0.1 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe(
      'Learning rate reduction is conditioned on metric `val_loss` which is not available. Available metrics are: loss,learning_rate',
    );
  });

  it('refuses a schedule-driven optimizer with a clear error', async () => {
    const m = fakeModel(new SGD({ learningRate: new ExponentialDecay(0.1, 10, 0.9) }));
    await expect(drive(new ReduceLROnPlateau(), m, flat(1))).rejects.toThrow(
      /ReduceLROnPlateau: the optimizer's learning rate is a schedule \(ExponentialDecay\)/,
    );
  });

  it('refuses invalid options', () => {
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow(
      'ReduceLROnPlateau does not support a factor >= 1.0. Received factor=1',
    );
    expect(() => new ReduceLROnPlateau({ factor: 0 })).toThrow(/factor must be in \(0, 1\)/);
    expect(() => new ReduceLROnPlateau({ minLr: -1 })).toThrow(/minLr/);
    expect(() => new ReduceLROnPlateau({ patience: 1.5 })).toThrow(/patience/);
    expect(() => new ReduceLROnPlateau({ cooldown: -1 })).toThrow(/cooldown/);
  });

  it('in fit: reduces the optimizer’s rate and records learning_rate in the history', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tensor([
      [1, 2],
      [2, 1],
      [3, 3],
      [-1, 2],
    ]);
    const y = tensor([[3], [3], [6], [1]]);
    // A huge minDelta: only the first epoch counts as an improvement.
    const r = new ReduceLROnPlateau({ monitor: 'loss', minDelta: 1e9, patience: 1, factor: 0.5 });
    const h = await model.fit(x, y, { epochs: 3, verbose: 0, callbacks: [r] });
    expect(h.history.learning_rate).toEqual([0.01, 0.01, 0.005]);
    expect(model.compiled!.optimizer.learningRate).toBe(0.0025);
  });
});
