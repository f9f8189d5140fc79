/** LAMB: Adam's update rescaled per variable by a trust ratio (You et al., 2019), as Keras 3's. */
import type { Variable } from '../autograd/variable.js';
import type { Config } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerArgs, checkHyper } from './optimizer.js';

/** Options of {@link Lamb}. */
export interface LambArgs extends OptimizerArgs {
  /** Decay rate of the first-moment estimate, in [0, 1) (default 0.9). */
  beta1?: number;
  /** Decay rate of the second-moment estimate, in [0, 1) (default 0.999). */
  beta2?: number;
  /** Added to the bias-corrected `√v̂` for numerical stability (default 1e-7). */
  epsilon?: number;
}

/**
 * The LAMB optimizer (Keras `Lamb`; default learning rate 0.001): layer-wise adaptive moments
 * for large-batch training.
 *
 * With `t` the 1-based step and slots `m`, `v` starting at 0:
 * `m ← m + (g − m)(1 − β₁)`; `v ← v + (g² − v)(1 − β₂)`;
 * `u = (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)`;
 * `r = ‖var‖ / ‖u‖` (1 when either norm is 0); `var ← var − r · lr · u`.
 *
 * Shape: the slots have the variable's shape; the norms are over the whole variable.
 * Slots (checkpoint order): `momentum` for each variable, then `velocity`.
 * @example
 * const opt = new Lamb({ learningRate: 1e-3 });
 * opt.applyGradients([[grad, w]]);
 */
export class Lamb extends Optimizer {
  static override readonly className: string = 'Lamb';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(args: LambArgs = {}) {
    super(args, { learningRate: 0.001, name: 'lamb' });
    const unit = { min: 0, max: 1, maxOpen: true };
    this.beta1 = checkHyper(this.cls, 'beta1', args.beta1 ?? 0.9, unit);
    this.beta2 = checkHyper(this.cls, 'beta2', args.beta2 ?? 0.999, unit);
    this.epsilon = checkHyper(this.cls, 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
  }

  protected buildSlots(variables: readonly Variable[]): void {
    for (const v of variables) this.addSlot(v, 'momentum');
    for (const v of variables) this.addSlot(v, 'velocity');
  }

  protected updateStep(g: Tensor, variable: Variable, lr: number): void {
    const m = this.getSlot(variable, 'momentum');
    const v = this.getSlot(variable, 'velocity');
    const t = this.iterations + 1;
    const { beta1, beta2, epsilon } = this;
    m.assign(m.add(g.sub(m).mul(1 - beta1)));
    v.assign(
      v.add(
        g
          .square()
          .sub(v)
          .mul(1 - beta2),
      ),
    );
    const update = m.div(1 - beta1 ** t).div(
      v
        .div(1 - beta2 ** t)
        .sqrt()
        .add(epsilon),
    );
    // The trust ratio is one number per variable; computing it on the host keeps it exact.
    const wNorm = Math.sqrt(variable.value().square().sum().item());
    const uNorm = Math.sqrt(update.square().sum().item());
    const ratio = wNorm > 0 && uNorm > 0 ? wNorm / uNorm : 1;
    variable.assignSub(update.mul(ratio * lr));
  }

  override getConfig(): Config {
    const { beta1, beta2, epsilon } = this;
    return { ...super.getConfig(), beta1, beta2, epsilon };
  }
}
