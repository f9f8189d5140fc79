/**
 * `LearningRateScheduler`: sets the optimizer's learning rate at the start of every epoch from
 * a function of the epoch (Keras 3's `keras.callbacks.LearningRateScheduler`).
 */
import { ValueError } from '../errors.js';
import { Callback, type Logs } from './callback.js';
import { checkSettableLr, currentLr, optimizerOf } from './lr_util.js';
import { pyRepr } from './pyformat.js';

/** A schedule: the epoch index (0-based) and the current learning rate → the new learning rate. */
export type EpochSchedule = (epoch: number, lr: number) => number;

/** Options of {@link LearningRateScheduler}. */
export interface LearningRateSchedulerArgs {
  /**
   * Called at the start of each epoch with the epoch index (from 0) and the current learning
   * rate; returns the learning rate for that epoch (a finite number ≥ 0).
   */
  schedule: EpochSchedule;
  /** 0: quiet; 1: prints the learning rate set at each epoch. Default 0. */
  verbose?: number;
}

/**
 * Learning rate scheduler.
 *
 * At the beginning of every epoch, calls `schedule(epoch, lr)` with the current learning rate
 * and assigns the returned value to the optimizer's `learningRate`. A value that is not a
 * finite number ≥ 0 is refused with an error naming the epoch. The learning rate is added to
 * the epoch's logs as `learning_rate`. The optimizer's learning rate must be a number, not a
 * `LearningRateSchedule` (those already vary per step).
 * @example
 * // Keep the initial rate for ten epochs, then decay it exponentially.
 * const scheduler = new LearningRateScheduler((epoch, lr) => (epoch < 10 ? lr : lr * Math.exp(-0.1)));
 * await model.fit(x, y, { epochs: 15, callbacks: [scheduler] });
 */
export class LearningRateScheduler extends Callback {
  readonly schedule: EpochSchedule;
  readonly verbose: number;

  constructor(schedule: EpochSchedule | LearningRateSchedulerArgs, verbose = 0) {
    super();
    const args: LearningRateSchedulerArgs =
      typeof schedule === 'function' ? { schedule, verbose } : schedule;
    if (typeof args?.schedule !== 'function') {
      throw new ValueError(
        `LearningRateScheduler: schedule must be a function (epoch, lr) => number, got ${typeof args?.schedule}`,
      );
    }
    this.schedule = args.schedule;
    this.verbose = args.verbose ?? 0;
  }

  onEpochBegin(epoch: number): void {
    const opt = optimizerOf(this.model, 'LearningRateScheduler');
    const lr = checkSettableLr(opt, 'LearningRateScheduler');
    const next: unknown = this.schedule(epoch, lr);
    if (typeof next !== 'number' || !Number.isFinite(next) || next < 0) {
      const shown =
        typeof next === 'number'
          ? String(next)
          : `${typeof next} ${JSON.stringify(next) ?? String(next)}`;
      throw new ValueError(
        `LearningRateScheduler: the schedule returned ${shown} for epoch ${epoch}; it must return a finite number ≥ 0`,
      );
    }
    try {
      opt.learningRate = next;
    } catch (e) {
      // The optimizer may refuse values the schedule may return (e.g. 0).
      throw new ValueError(
        `LearningRateScheduler: epoch ${epoch}: the optimizer refused learning rate ${next}: ${(e as Error).message}`,
      );
    }
    if (this.verbose > 0)
      console.log(
        `\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${pyRepr(next)}.`,
      );
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    if (logs) logs.learning_rate = currentLr(optimizerOf(this.model, 'LearningRateScheduler'));
  }
}
