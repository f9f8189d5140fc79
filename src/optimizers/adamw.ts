/** AdamW: Adam with decoupled weight decay on by default. */
import { Adam, type AdamArgs } from './adam.js';

/** Options of {@link AdamW}: those of Adam, with `weightDecay` defaulting to 0.004. */
export type AdamWArgs = AdamArgs;

/**
 * The AdamW optimizer (Keras `AdamW`; default learning rate 0.001, weight decay 0.004):
 * Adam whose variables are first shrunk by `var ← var − var · weightDecay · lr` each step
 * (Loshchilov & Hutter's decoupled decay, scaled by the learning rate as in Keras), then
 * updated by the Adam rule.
 *
 * Slots (checkpoint order): as {@link Adam}.
 * @example
 * const opt = new AdamW({ learningRate: 1e-3, weightDecay: 0.01 });
 * opt.excludeFromWeightDecay({ varNames: ['bias'] });
 */
export class AdamW extends Adam {
  static override readonly className: string = 'AdamW';

  constructor(args: AdamWArgs = {}) {
    super({ ...args, weightDecay: args.weightDecay ?? 0.004, name: args.name ?? 'adamw' });
  }
}
