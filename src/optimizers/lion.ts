/** Lion: sign-of-interpolated-momentum updates (Chen et al., 2023), as Keras 3's `Lion`. */
import type { Variable } from '../autograd/variable.js';
import type { Config } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerArgs, checkHyper } from './optimizer.js';

/** Options of {@link Lion}. */
export interface LionArgs extends OptimizerArgs {
  /** Weight of the momentum when forming the update's sign, in (0, 1] (default 0.9). */
  beta1?: number;
  /** Decay rate of the momentum, in [0, 1] (default 0.99). */
  beta2?: number;
}

/**
 * The Lion optimizer (Keras `Lion`; default learning rate 0.001). Every element moves by
 * exactly `lr` (or 0), so a good learning rate is typically 3–10× smaller than AdamW's.
 *
 * With the momentum slot `m` starting at 0:
 * `var ← var − lr · sign(β₁·m + (1 − β₁)·g)`; then `m ← β₂·m + (1 − β₂)·g`.
 *
 * Shape: the slot `momentum` has the variable's shape.
 * Slots (checkpoint order): `momentum` for each variable.
 * @example
 * const opt = new Lion({ learningRate: 1e-4, weightDecay: 0.01 });
 * opt.applyGradients([[grad, w]]);
 */
export class Lion extends Optimizer {
  static override readonly className: string = 'Lion';
  readonly beta1: number;
  readonly beta2: number;

  constructor(args: LionArgs = {}) {
    super(args, { learningRate: 0.001, name: 'lion' });
    // Keras: beta1 = 0 degenerates to SignSGD and is refused.
    this.beta1 = checkHyper(this.cls, 'beta1', args.beta1 ?? 0.9, {
      min: 0,
      minOpen: true,
      max: 1,
    });
    this.beta2 = checkHyper(this.cls, 'beta2', args.beta2 ?? 0.99, { min: 0, max: 1 });
  }

  protected buildSlots(variables: readonly Variable[]): void {
    for (const v of variables) this.addSlot(v, 'momentum');
  }

  protected updateStep(g: Tensor, variable: Variable, lr: number): void {
    const m = this.getSlot(variable, 'momentum');
    const { beta1, beta2 } = this;
    variable.assignSub(
      m
        .mul(beta1)
        .add(g.mul(1 - beta1))
        .sign()
        .mul(lr),
    );
    m.assign(m.mul(beta2).add(g.mul(1 - beta2)));
  }

  override getConfig(): Config {
    const { beta1, beta2 } = this;
    return { ...super.getConfig(), beta1, beta2 };
  }
}
