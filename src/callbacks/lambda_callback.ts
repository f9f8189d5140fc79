/**
 * `LambdaCallback`: a callback made of plain functions (Keras 3's
 * `keras.callbacks.LambdaCallback`).
 */
import { ValueError } from '../errors.js';
import { Callback, type CallbackHooks, type Logs } from './callback.js';

/** The functions of a {@link LambdaCallback}; each is optional and may return a promise. */
export type LambdaCallbackArgs = CallbackHooks;

const HOOKS = [
  'onTrainBegin',
  'onTrainEnd',
  'onEpochBegin',
  'onEpochEnd',
  'onTrainBatchBegin',
  'onTrainBatchEnd',
  'onTestBegin',
  'onTestEnd',
  'onTestBatchBegin',
  'onTestBatchEnd',
  'onPredictBegin',
  'onPredictEnd',
  'onPredictBatchBegin',
  'onPredictBatchEnd',
  'onBatchBegin',
  'onBatchEnd',
] as const satisfies readonly (keyof CallbackHooks)[];

/**
 * A callback built from functions: each given function becomes that hook, called with the
 * hook's arguments (`(epoch, logs)`, `(batch, logs)` or `(logs)`), so `this` inside a
 * `function` is the callback (its `model` and `params`).
 *
 * Keras's names map as `on_epoch_begin` → `onEpochBegin`, `on_train_batch_end` →
 * `onTrainBatchEnd`, …; `onBatchBegin`/`onBatchEnd` are aliases of the training-batch hooks
 * (used when `onTrainBatchBegin`/`onTrainBatchEnd` are not given).
 * @throws ValueError for an unknown key or a value that is not a function.
 * @example
 * const losses: number[] = [];
 * const cb = new LambdaCallback({
 *   onBatchEnd: (_batch, logs) => { losses.push(logs.loss!); },
 *   onTrainEnd: () => console.log('done'),
 * });
 * await model.fit(x, y, { epochs: 2, callbacks: [cb] });
 */
export class LambdaCallback extends Callback implements CallbackHooks {
  onTrainBegin?: (logs: Logs) => void | Promise<void>;
  onTrainEnd?: (logs: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>;
  onTrainBatchBegin?: (batch: number, logs: Logs) => void | Promise<void>;
  onTrainBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;
  onTestBegin?: (logs: Logs) => void | Promise<void>;
  onTestEnd?: (logs: Logs) => void | Promise<void>;
  onTestBatchBegin?: (batch: number, logs: Logs) => void | Promise<void>;
  onTestBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;
  onPredictBegin?: (logs: Logs) => void | Promise<void>;
  onPredictEnd?: (logs: Logs) => void | Promise<void>;
  onPredictBatchBegin?: (batch: number, logs: Logs) => void | Promise<void>;
  onPredictBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;

  constructor(args: LambdaCallbackArgs = {}) {
    super();
    if (args === null || typeof args !== 'object')
      throw new ValueError(
        `LambdaCallback: expected an object of hook functions, got ${String(args)}`,
      );
    for (const [k, fn] of Object.entries(args)) {
      if (!(HOOKS as readonly string[]).includes(k)) {
        throw new ValueError(
          `LambdaCallback: unknown hook '${k}'; expected one of ${HOOKS.join(', ')}`,
        );
      }
      if (fn === undefined || fn === null) continue;
      if (typeof fn !== 'function') {
        throw new ValueError(`LambdaCallback: ${k} must be a function, got ${typeof fn}`);
      }
      (this as Record<string, unknown>)[k] = fn;
    }
  }
}
