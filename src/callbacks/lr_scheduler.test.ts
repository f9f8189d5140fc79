import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import { arange, tensor, zeros } from '../ops/creation.js';
import { ExponentialDecay } from '../optimizers/schedules.js';
import { SGD } from '../optimizers/sgd.js';
import { Callback } from './callback.js';
import { learningRateScheduler } from './index.js';
import { LearningRateScheduler } from './lr_scheduler.js';

function model(opt: SGD = new SGD()): Sequential {
  const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
  m.compile({ optimizer: opt, loss: 'mse' });
  return m;
}

const X = tensor([
  [1, 2],
  [2, 1],
  [3, 3],
  [-1, 2],
]);
const Y = tensor([[3], [3], [6], [1]]);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('LearningRateScheduler', () => {
  it('sets the learning rate at the start of each epoch and logs it', async () => {
    const m = model(new SGD({ learningRate: 0.1 }));
    const seen: [number, number][] = [];
    const usedInEpoch: number[] = [];
    const probe = new (class extends Callback {
      onTrainBatchBegin() {
        usedInEpoch.push(m.compiled!.optimizer.learningRate as number);
      }
    })();
    const sched = new LearningRateScheduler((epoch, lr) => {
      seen.push([epoch, lr]);
      return 0.1 / (epoch + 1);
    });
    const h = await m.fit(X, Y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [sched, probe] });
    expect(seen).toEqual([
      [0, 0.1],
      [1, 0.1],
      [2, 0.05],
    ]);
    expect(usedInEpoch).toEqual([0.1, 0.05, 0.1 / 3]);
    expect(h.history.learning_rate).toEqual([0.1, 0.05, 0.1 / 3]);
  });

  it("Keras's example: constant for ten epochs, then ×e^-0.1 per epoch", async () => {
    const m = new Sequential({ layers: [new Dense({ units: 10 })] });
    m.compile({ optimizer: new SGD(), loss: 'mse' });
    const cb = learningRateScheduler((epoch, lr) => (epoch < 10 ? lr : lr * Math.exp(-0.1)));
    await m.fit(arange(100).reshape([5, 20]).div(100), zeros([5, 10]), {
      epochs: 15,
      verbose: 0,
      callbacks: [cb],
    });
    expect(Math.round((m.compiled!.optimizer.learningRate as number) * 1e5) / 1e5).toBe(0.00607);
  });

  it('accepts an options object and prints with verbose 1', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const m = model();
    await m.fit(X, Y, {
      epochs: 2,
      verbose: 0,
      callbacks: [new LearningRateScheduler({ schedule: () => 1e-5, verbose: 1 })],
    });
    expect(log.mock.calls.map((c) => c[0])).toEqual([
      '\nEpoch 1: LearningRateScheduler setting learning rate to 1e-05.',
      '\nEpoch 2: LearningRateScheduler setting learning rate to 1e-05.',
    ]);
  });

  it('refuses values that are not finite numbers ≥ 0, naming the epoch', async () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -0.1, '0.1', undefined]) {
      const cb = new LearningRateScheduler((e) => (e === 1 ? (bad as number) : 0.01));
      await expect(model().fit(X, Y, { epochs: 3, verbose: 0, callbacks: [cb] })).rejects.toThrow(
        /LearningRateScheduler: the schedule returned .* for epoch 1; it must return a finite number ≥ 0/,
      );
    }
  });

  it('refuses a schedule-driven optimizer and a non-function schedule', async () => {
    const m = model(new SGD({ learningRate: new ExponentialDecay(0.1, 10, 0.9) }));
    await expect(
      m.fit(X, Y, { epochs: 1, verbose: 0, callbacks: [new LearningRateScheduler(() => 0.1)] }),
    ).rejects.toThrow(/the optimizer's learning rate is a schedule/);
    expect(() => new LearningRateScheduler(0.1 as never)).toThrow(/schedule must be a function/);
  });
});
