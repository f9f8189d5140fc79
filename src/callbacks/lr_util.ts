/** @internal Reading and setting the learning rate of a model's optimizer from callbacks. */
import { ValueError } from '../errors.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { Model } from './callback.js';

/** The compiled optimizer of `model`, or a ValueError naming `cls`. */
export function optimizerOf(model: Model | null, cls: string): Optimizer {
  if (!model) throw new ValueError(`${cls}: no model is set (the callback must be used in fit)`);
  const opt = model.optimizer;
  if (!opt) throw new ValueError(`${cls}: the model has no optimizer; call compile() first`);
  return opt;
}

/** The learning rate the optimizer uses now (a schedule evaluated at the current step). */
export function currentLr(opt: Optimizer): number {
  return opt.currentLearningRate;
}

/** Throws unless the optimizer's learning rate is a plain number that a callback may replace. */
export function checkSettableLr(opt: Optimizer, cls: string): number {
  const lr = opt.learningRate;
  if (typeof lr !== 'number') {
    const name =
      (lr as { constructor?: { className?: string } })?.constructor?.className ??
      'LearningRateSchedule';
    throw new ValueError(
      `${cls}: the optimizer's learning rate is a schedule (${name}), which ${cls} cannot change; compile with a numeric learningRate to use this callback, or drop the callback and let the schedule decide`,
    );
  }
  return lr;
}
