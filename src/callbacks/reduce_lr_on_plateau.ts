/**
 * `ReduceLROnPlateau`: lowers the optimizer's learning rate when a monitored quantity stops
 * improving (Keras 3's `keras.callbacks.ReduceLROnPlateau`).
 */
import { ValueError } from '../errors.js';
import type { Logs } from './callback.js';
import { checkSettableLr, currentLr, optimizerOf } from './lr_util.js';
import { type MonitorArgs, MonitorCallback } from './monitor.js';
import { pyRepr } from './pyformat.js';

/** Options of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauArgs extends MonitorArgs {
  /** Factor by which the learning rate is multiplied: `newLr = lr · factor`, in (0, 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement after which the learning rate is reduced. Default 10. */
  patience?: number;
  /** 0: quiet; 1: prints a message at each reduction. Default 0. */
  verbose?: number;
  /** Minimum change of the monitored quantity that counts as an improvement. Default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting epochs without improvement again. Default 0. */
  cooldown?: number;
  /** Lower bound of the learning rate. Default 0. */
  minLr?: number;
}

function nonNegInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0)
    throw new ValueError(`ReduceLROnPlateau: ${name} must be a non-negative integer, got ${v}`);
  return v;
}

/**
 * Reduces the learning rate when a metric has stopped improving.
 *
 * At the end of each epoch the monitored value is compared with the best so far (an
 * improvement must beat it by more than `minDelta`). After `patience` epochs without
 * improvement the optimizer's `learningRate` becomes `max(lr · factor, minLr)` (when `lr` is
 * still above `minLr`), then `cooldown` epochs pass before epochs without improvement are
 * counted again. The learning rate in use is added to the epoch's logs as `learning_rate`, so
 * `History` and `CSVLogger` record it. The best value is kept across `fit` calls, as in
 * Keras 3; the wait and cooldown counters restart with each `fit`.
 *
 * The optimizer's learning rate must be a number: with a `LearningRateSchedule` this callback
 * throws at the start of training.
 * @example
 * const reduce = new ReduceLROnPlateau({ monitor: 'val_loss', factor: 0.2, patience: 5, minLr: 1e-4 });
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.2, callbacks: [reduce] });
 */
export class ReduceLROnPlateau extends MonitorCallback {
  readonly factor: number;
  readonly patience: number;
  readonly verbose: number;
  readonly cooldown: number;
  readonly minLr: number;
  /** Epochs remaining in the current cooldown. */
  cooldownCounter = 0;
  /** Epochs since the last improvement. */
  wait = 0;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super(
      'ReduceLROnPlateau',
      args.monitor ?? 'val_loss',
      args.mode ?? 'auto',
      null,
      args.minDelta ?? 1e-4,
    );
    const factor = args.factor ?? 0.1;
    if (typeof factor !== 'number' || !(factor < 1)) {
      throw new ValueError(
        `ReduceLROnPlateau does not support a factor >= 1.0. Received factor=${factor}`,
      );
    }
    if (!(factor > 0))
      throw new ValueError(`ReduceLROnPlateau: factor must be in (0, 1), got ${factor}`);
    const minLr = args.minLr ?? 0;
    if (typeof minLr !== 'number' || !Number.isFinite(minLr) || minLr < 0) {
      throw new ValueError(`ReduceLROnPlateau: minLr must be a finite number ≥ 0, got ${minLr}`);
    }
    this.factor = factor;
    this.patience = nonNegInt('patience', args.patience ?? 10);
    this.verbose = args.verbose ?? 0;
    this.cooldown = nonNegInt('cooldown', args.cooldown ?? 0);
    this.minLr = minLr;
  }

  /** Whether a cooldown is running. */
  inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  onTrainBegin(): void {
    this.cooldownCounter = 0;
    this.wait = 0;
    checkSettableLr(optimizerOf(this.model, 'ReduceLROnPlateau'), 'ReduceLROnPlateau');
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const opt = optimizerOf(this.model, 'ReduceLROnPlateau');
    if (logs) logs.learning_rate = currentLr(opt);
    const current = this.monitorValue(logs, 'Learning rate reduction is conditioned on metric');
    if (current === undefined) return;
    if (this.inCooldown()) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (!this.inCooldown()) {
      this.wait++;
      if (this.wait >= this.patience) {
        const oldLr = checkSettableLr(opt, 'ReduceLROnPlateau');
        // Keras compares with min_lr rounded to float32.
        if (oldLr > Math.fround(this.minLr)) {
          const newLr = Math.max(oldLr * this.factor, this.minLr);
          opt.learningRate = newLr;
          if (this.verbose > 0)
            console.log(
              `\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${pyRepr(newLr)}.`,
            );
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}
