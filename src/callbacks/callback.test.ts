import { describe, expect, it } from 'vitest';
import { Dense } from '../layers/dense.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { Callback, type CallbackHooks, CallbackList, History, type Logs } from './callback.js';
import * as callbacks from './index.js';

const PARAMS = { epochs: 3, steps: 2, verbose: 0, samples: 4, batchSize: 2 };

describe('CallbackList', () => {
  it('gives Callback instances the model and params, and calls hooks in order', async () => {
    const calls: string[] = [];
    class A extends Callback {
      onEpochEnd(e: number, logs: Logs) {
        calls.push(`A${e}:${logs.loss}`);
      }
    }
    const b: CallbackHooks = { onEpochEnd: (e) => void calls.push(`B${e}`) };
    const a = new A();
    const fakeModel = { name: 'm' } as unknown as Model;
    const list = new CallbackList([a, b], fakeModel, PARAMS);
    expect(a.model).toBe(fakeModel);
    expect(a.params).toEqual(PARAMS);
    await list.call('onEpochEnd', 0, { loss: 1 });
    await list.call('onTrainBegin', {});
    expect(calls).toEqual(['A0:1', 'B0']);
  });

  it('awaits a hook that returns a promise before calling the next callback', async () => {
    const calls: string[] = [];
    const slow: CallbackHooks = {
      onEpochEnd: async () => {
        await new Promise((r) => setTimeout(r, 20));
        calls.push('slow');
      },
    };
    const fast: CallbackHooks = { onEpochEnd: () => void calls.push('fast') };
    await new CallbackList([slow, fast], {} as Model, PARAMS).call('onEpochEnd', 0, {});
    expect(calls).toEqual(['slow', 'fast']);
  });

  it('onBatchEnd / onBatchBegin alias the training batch hooks (as TensorFlow.js)', async () => {
    const calls: string[] = [];
    const h: CallbackHooks = {
      onBatchBegin: (b) => void calls.push(`begin${b}`),
      onBatchEnd: (b) => void calls.push(`end${b}`),
    };
    const list = new CallbackList([h], {} as Model, PARAMS);
    await list.call('onTrainBatchBegin', 1, {});
    await list.call('onTrainBatchEnd', 1, {});
    await list.call('onTestBatchEnd', 1, {});
    expect(calls).toEqual(['begin1', 'end1']);
  });

  it('passes the same logs object along, so earlier callbacks can add keys', async () => {
    const adder: CallbackHooks = {
      onEpochEnd: (_e, logs) => {
        logs.extra = 7;
      },
    };
    const hist = new History();
    const list = new CallbackList([adder, hist], {} as Model, PARAMS);
    await list.call('onTrainBegin', {});
    await list.call('onEpochEnd', 0, { loss: 1 });
    expect(hist.history).toEqual({ loss: [1], extra: [7] });
  });
});

describe('History', () => {
  it('records each epoch and resets on a new training run', async () => {
    const hist = new History();
    const list = new CallbackList([hist], {} as Model, PARAMS);
    await list.call('onTrainBegin', {});
    await list.call('onEpochEnd', 0, { loss: 2, val_loss: 3 });
    await list.call('onEpochEnd', 1, { loss: 1, val_loss: 2 });
    expect(hist.epoch).toEqual([0, 1]);
    expect(hist.history).toEqual({ loss: [2, 1], val_loss: [3, 2] });
    await list.call('onTrainBegin', {});
    expect(hist.epoch).toEqual([]);
    expect(hist.history).toEqual({});
  });

  it('is what fit returns, with one entry per epoch and key', async () => {
    const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const seen: string[] = [];
    const h = await m.fit(
      tensor([
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ]),
      tensor([[1], [2], [3], [4]]),
      {
        epochs: 3,
        verbose: 0,
        validationSplit: 0.25,
        callbacks: [
          {
            onTrainBegin: () => void seen.push('begin'),
            onEpochBegin: (e) => void seen.push(`e${e}`),
            onTrainEnd: () => void seen.push('end'),
          },
        ],
      },
    );
    expect(h).toBeInstanceOf(History);
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'mae', 'val_loss', 'val_mae']);
    expect(Object.values(h.history).every((v) => v.length === 3)).toBe(true);
    expect(seen).toEqual(['begin', 'e0', 'e1', 'e2', 'end']);
  });
});

describe('callbacks index', () => {
  it('exports every callback class and factory', () => {
    expect(callbacks.earlyStopping({ patience: 2 })).toBeInstanceOf(callbacks.EarlyStopping);
    expect(callbacks.modelCheckpoint('w.tsckpt')).toBeInstanceOf(callbacks.ModelCheckpoint);
    expect(callbacks.reduceLROnPlateau()).toBeInstanceOf(callbacks.ReduceLROnPlateau);
    expect(callbacks.learningRateScheduler(() => 0.1)).toBeInstanceOf(
      callbacks.LearningRateScheduler,
    );
    expect(callbacks.csvLogger('log.csv')).toBeInstanceOf(callbacks.CSVLogger);
    expect(callbacks.terminateOnNaN()).toBeInstanceOf(callbacks.TerminateOnNaN);
    for (const C of [
      callbacks.EarlyStopping,
      callbacks.ReduceLROnPlateau,
      callbacks.TerminateOnNaN,
      callbacks.ProgbarLogger,
      callbacks.History,
    ]) {
      expect(new C()).toBeInstanceOf(callbacks.Callback);
    }
    expect(callbacks.CallbackList).toBe(CallbackList);
    expect(typeof callbacks.readCheckpoint).toBe('function');
    expect(typeof callbacks.loadCheckpointWeights).toBe('function');
  });
});
