import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { LambdaCallback } from './lambda_callback.js';

function model(): Sequential {
  const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}
const X = tensor([
  [1, 2],
  [2, 1],
  [0, 3],
  [-1, 2],
]);
const Y = tensor([[3], [3], [3], [1]]);

describe('LambdaCallback', () => {
  it('calls each given function at its hook, in fit order, with the hook arguments', async () => {
    const events: string[] = [];
    const cb = new LambdaCallback({
      onTrainBegin: () => {
        events.push('trainBegin');
      },
      onEpochBegin: (e) => {
        events.push(`epochBegin ${e}`);
      },
      onBatchBegin: (b) => {
        events.push(`batchBegin ${b}`);
      },
      onBatchEnd: (b, logs) => {
        events.push(`batchEnd ${b} ${typeof logs.loss}`);
      },
      onEpochEnd: async (e, logs) => {
        await Promise.resolve();
        events.push(`epochEnd ${e} ${Number.isFinite(logs.loss)}`);
      },
      onTrainEnd: () => {
        events.push('trainEnd');
      },
    });
    await model().fit(X, Y, { epochs: 2, batchSize: 2, verbose: 0, callbacks: [cb] });
    expect(events).toEqual([
      'trainBegin',
      'epochBegin 0',
      'batchBegin 0',
      'batchEnd 0 number',
      'batchBegin 1',
      'batchEnd 1 number',
      'epochEnd 0 true',
      'epochBegin 1',
      'batchBegin 0',
      'batchEnd 0 number',
      'batchBegin 1',
      'batchEnd 1 number',
      'epochEnd 1 true',
      'trainEnd',
    ]);
  });

  it('onTrainBatchEnd takes precedence over its alias; `this` is the callback with its model', async () => {
    const seen: string[] = [];
    const m = model();
    const cb = new LambdaCallback({
      onTrainBatchEnd(this: LambdaCallback, b: number) {
        seen.push(`train ${b} ${this.model === m}`);
      },
      onBatchEnd: () => {
        seen.push('alias');
      },
    });
    await m.fit(X, Y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [cb] });
    expect(seen).toEqual(['train 0 true']);
  });

  it('runs test and predict hooks too', () => {
    const seen: string[] = [];
    const cb = new LambdaCallback({
      onTestBegin: () => {
        seen.push('testBegin');
      },
      onTestEnd: (logs) => {
        seen.push(`testEnd ${Number.isFinite(logs.loss)}`);
      },
      onPredictEnd: () => {
        seen.push('predictEnd');
      },
    });
    const m = model();
    m.evaluate(X, Y, { callbacks: [cb] });
    m.predict(X, { callbacks: [cb] });
    expect(seen).toEqual(['testBegin', 'testEnd true', 'predictEnd']);
  });

  it('refuses unknown hooks and non-functions with ValueError', () => {
    expect(() => new LambdaCallback({ onEpochStart: () => {} } as never)).toThrow(ValueError);
    expect(() => new LambdaCallback({ onEpochStart: () => {} } as never)).toThrow(
      /^LambdaCallback: unknown hook 'onEpochStart'; expected one of onTrainBegin, /,
    );
    expect(() => new LambdaCallback({ onEpochEnd: 3 } as never)).toThrow(
      /^LambdaCallback: onEpochEnd must be a function, got number$/,
    );
  });
});
