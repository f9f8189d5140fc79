import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dense } from '../layers/dense.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { Callback } from './callback.js';
import { TerminateOnNaN } from './terminate_on_nan.js';

function model(): Sequential {
  const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}

// The third sample holds a NaN: its batch's loss, and the running epoch loss, become NaN.
const X = tensor([
  [1, 2],
  [2, 1],
  [Number.NaN, 3],
  [-1, 2],
  [0, 1],
]);
const Y = tensor([[3], [3], [6], [1], [1]]);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('TerminateOnNaN', () => {
  it('stops fit at the batch whose loss is NaN and says so', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const batches: number[] = [];
    let trainEnded = false;
    const probe = new (class extends Callback {
      onTrainBatchEnd(b: number) {
        batches.push(b);
      }
      onTrainEnd() {
        trainEnded = true;
      }
    })();
    const m = model();
    const h = await m.fit(X, Y, {
      epochs: 5,
      batchSize: 1,
      shuffle: false,
      verbose: 0,
      // The NaN sample is deliberate: fit refuses non-finite data unless told otherwise.
      allowNonFinite: true,
      callbacks: [new TerminateOnNaN(), probe],
    });
    expect(log).toHaveBeenCalledWith('Batch 2: Invalid loss, terminating training');
    expect(log).toHaveBeenCalledTimes(1);
    expect(batches).toEqual([0, 1, 2]);
    expect(h.epoch.length).toBe(1);
    expect(Number.isNaN(h.history.loss![0])).toBe(true);
    expect(m.stopTraining).toBe(true);
    expect(trainEnded).toBe(true);
  });

  it('lets finite losses pass and stops on ±Infinity', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const fake = { stopTraining: false } as unknown as Model;
    const t = new TerminateOnNaN();
    t.setModel(fake);
    t.onTrainBatchEnd(0, { loss: 1e30 });
    t.onTrainBatchEnd(1, {});
    expect(fake.stopTraining).toBe(false);
    t.onTrainBatchEnd(7, { loss: Number.NEGATIVE_INFINITY });
    expect(fake.stopTraining).toBe(true);
    expect(log).toHaveBeenCalledWith('Batch 7: Invalid loss, terminating training');
  });

  it('raiseError throws at once, skipping onTrainEnd', async () => {
    let trainEnded = false;
    const probe = new (class extends Callback {
      onTrainEnd() {
        trainEnded = true;
      }
    })();
    await expect(
      model().fit(X, Y, {
        epochs: 2,
        batchSize: 1,
        shuffle: false,
        verbose: 0,
        allowNonFinite: true,
        callbacks: [new TerminateOnNaN({ raiseError: true }), probe],
      }),
    ).rejects.toThrow(
      'NaN or Inf loss encountered at batch 2. Loss value: nan. Terminating training immediately.',
    );
    expect(trainEnded).toBe(false);
  });
});
