/**
 * `TerminateOnNaN`: stops training as soon as the loss becomes NaN or infinite (Keras 3's
 * `keras.callbacks.TerminateOnNaN`).
 */
import { TesseraError } from '../errors.js';
import { Callback, type Logs } from './callback.js';
import { pyRepr } from './pyformat.js';

/** Options of {@link TerminateOnNaN}. */
export interface TerminateOnNaNArgs {
  /**
   * false: stop gracefully (`model.stopTraining = true`, so every callback's `onTrainEnd`
   * still runs); true: throw an error at once, skipping the other callbacks' clean-up.
   * Default false.
   */
  raiseError?: boolean;
}

/**
 * Terminates training when a NaN or infinite loss is encountered.
 *
 * After each training batch, if the running `loss` in the logs is NaN or ±Infinity, prints
 * `Batch N: Invalid loss, terminating training` (N the batch index within the epoch) and sets
 * `model.stopTraining`, so `fit` ends after that batch and the current epoch is the last
 * one recorded. With `raiseError: true` it throws a `TesseraError` instead.
 * @example
 * await model.fit(x, y, { epochs: 10, callbacks: [new TerminateOnNaN()] });
 */
export class TerminateOnNaN extends Callback {
  readonly raiseError: boolean;

  constructor(args: TerminateOnNaNArgs = {}) {
    super();
    this.raiseError = args.raiseError ?? false;
  }

  onTrainBatchEnd(batch: number, logs: Logs): void {
    const loss = logs?.loss;
    if (loss === undefined || loss === null || Number.isFinite(loss)) return;
    if (this.raiseError) {
      throw new TesseraError(
        `NaN or Inf loss encountered at batch ${batch}. Loss value: ${pyRepr(loss)}. Terminating training immediately.`,
      );
    }
    console.log(`Batch ${batch}: Invalid loss, terminating training`);
    if (this.model) this.model.stopTraining = true;
  }
}
