/**
 * `EarlyStopping`: ends `fit` when a monitored quantity has stopped improving (Keras 3's
 * `keras.callbacks.EarlyStopping`).
 */
import { ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Logs } from './callback.js';
import { type MonitorArgs, MonitorCallback } from './monitor.js';

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingArgs extends MonitorArgs {
  /**
   * Minimum change of the monitored quantity that counts as an improvement: a change smaller
   * than `|minDelta|` is no improvement. Default 0.
   */
  minDelta?: number;
  /** Epochs without improvement after which training stops. Default 0. */
  patience?: number;
  /** 0: silent; 1: prints when training stops and when weights are restored. Default 0. */
  verbose?: number;
  /**
   * A value the monitored quantity must beat: while an epoch improves on the previous best
   * but not on the baseline, the wait counter is not reset, so training stops once `patience`
   * epochs have passed without beating it. Default: none.
   */
  baseline?: number | null;
  /**
   * Restore, when training ends, the weights of the epoch with the best monitored value
   * (whether or not training stopped early, as Keras 3). When false, the weights of the last
   * step are kept. Default false.
   */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring starts (a warm-up with no stopping). Default 0. */
  startFromEpoch?: number;
}

function checkCount(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0)
    throw new ValueError(`EarlyStopping: ${name} must be a non-negative integer, got ${v}`);
  return v;
}

/**
 * Stops training when a monitored quantity has stopped improving.
 *
 * At the end of each epoch (from `startFromEpoch` on) the monitored value is compared with
 * the best so far; an epoch that does not improve on it by more than `minDelta` increments a
 * wait counter, and when the counter reaches `patience` (and the epoch is not the first),
 * `model.stopTraining` is set and `fit` ends after that epoch. With `restoreBestWeights`, the
 * weights of the best epoch are put back at the end of training — also when training ran all
 * its epochs, as Keras 3 does. A missing monitored key is reported once with `console.warn`
 * and the epoch is skipped.
 *
 * In `auto` mode accuracy-like quantities (`accuracy`, `val_acc`, `auc`…) are maximized and
 * everything else (`loss`, `val_loss`, `mse`…) is minimized.
 * @example
 * // Stop when the validation loss has not improved for 3 epochs; keep the best weights.
 * const stop = new EarlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true });
 * await model.fit(x, y, { epochs: 100, validationSplit: 0.2, callbacks: [stop] });
 * stop.stoppedEpoch; // the 0-based epoch training stopped at, 0 when it did not stop early
 */
export class EarlyStopping extends MonitorCallback {
  readonly patience: number;
  readonly verbose: number;
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  /** Epochs since the last improvement. */
  wait = 0;
  /** The 0-based epoch at which training was stopped; 0 when it was not. */
  stoppedEpoch = 0;
  /** The 0-based epoch with the best monitored value. */
  bestEpoch = 0;
  /** Copies of the weights of the best epoch (with `restoreBestWeights`). */
  bestWeights: Tensor[] | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    const baseline = args.baseline ?? null;
    super(
      'EarlyStopping',
      args.monitor ?? 'val_loss',
      args.mode ?? 'auto',
      null,
      args.minDelta ?? 0,
    );
    if (baseline !== null && (typeof baseline !== 'number' || Number.isNaN(baseline))) {
      throw new ValueError(`EarlyStopping: baseline must be a number, got ${String(baseline)}`);
    }
    this.patience = checkCount('patience', args.patience ?? 0);
    this.verbose = args.verbose ?? 0;
    this.baseline = baseline;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.startFromEpoch = checkCount('startFromEpoch', args.startFromEpoch ?? 0);
  }

  onTrainBegin(): void {
    // Allow instances to be reused across fit calls.
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const current = this.monitorValue(logs, 'Early stopping conditioned on metric');
    if (current === undefined || epoch < this.startFromEpoch) return;
    const model = this.model;
    if (!model)
      throw new ValueError('EarlyStopping: no model is set (the callback must be used in fit)');
    // If best weights were never set, the current weights are the best.
    if (this.restoreBestWeights && this.bestWeights === null) {
      this.bestWeights = copyWeights(model.getWeights());
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = copyWeights(model.getWeights());
      // Only restart the wait when both the baseline and the previous best are beaten.
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0)
      console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== null) {
      if (this.verbose > 0)
        console.log(
          `Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`,
        );
      this.model?.setWeights(this.bestWeights);
    }
  }
}

/** Copies tensors' data, so that later in-place updates of the weights cannot reach them. */
function copyWeights(ws: readonly Tensor[]): Tensor[] {
  return ws.map((w) => tensor(w.dataSync().slice(), w.shape, w.dtype));
}
