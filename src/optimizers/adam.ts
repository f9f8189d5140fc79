/** Adam: adaptive moment estimation, optionally with the AMSGrad maximum. */
import type { Variable } from '../autograd/variable.js';
import { stepScalar } from '../engine/params.js';
import type { Config } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { fusedAdamStep } from './fused.js';
import { Optimizer, type OptimizerArgs, checkBool, checkHyper } from './optimizer.js';

/** Options of {@link Adam} (and {@link AdamW}). */
export interface AdamArgs extends OptimizerArgs {
  /** Decay rate of the first-moment (mean) estimate, in [0, 1) (default 0.9). */
  beta1?: number;
  /** Decay rate of the second-moment estimate, in [0, 1) (default 0.999). */
  beta2?: number;
  /**
   * Added to `√v` for numerical stability (default 1e-7). It is Kingma & Ba's "epsilon hat":
   * it applies to the uncorrected `v`, so its effect differs from PyTorch's `eps`.
   */
  epsilon?: number;
  /** Whether to use the AMSGrad variant, dividing by the running maximum of `v` (default false). */
  amsgrad?: boolean;
}

/**
 * The Adam optimizer (Keras `Adam`; default learning rate 0.001).
 *
 * With `t` the 1-based step and moment slots `m`, `v` starting at 0:
 * `α = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)`; `m ← m + (g − m)(1 − β₁)`; `v ← v + (g² − v)(1 − β₂)`;
 * with AMSGrad `v̂ ← max(v̂, v)` replaces `v` below; `var ← var − α · m / (√v + ε)`.
 *
 * Slots (checkpoint order): `momentum` for each variable, then `velocity`, then
 * `velocityHat` (with AMSGrad).
 * @example
 * const opt = new Adam({ learningRate: 1e-3, amsgrad: true });
 * opt.applyGradients([[grad, w]]);
 */
export class Adam extends Optimizer {
  static override readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  constructor(args: AdamArgs = {}) {
    super(args, { learningRate: 0.001, name: 'adam' });
    this.beta1 = checkHyper(this.cls, 'beta1', args.beta1 ?? 0.9, {
      min: 0,
      max: 1,
      maxOpen: true,
    });
    this.beta2 = checkHyper(this.cls, 'beta2', args.beta2 ?? 0.999, {
      min: 0,
      max: 1,
      maxOpen: true,
    });
    this.epsilon = checkHyper(this.cls, 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
    this.amsgrad = checkBool(this.cls, 'amsgrad', args.amsgrad ?? false);
  }

  protected buildSlots(variables: readonly Variable[]): void {
    for (const v of variables) this.addSlot(v, 'momentum');
    for (const v of variables) this.addSlot(v, 'velocity');
    if (this.amsgrad) for (const v of variables) this.addSlot(v, 'velocityHat');
  }

  protected override get tracesUpdate(): boolean {
    return true;
  }

  /** The step size of the coming step (a step parameter: recomputed at each compiled replay). */
  private readonly alpha = (): number => {
    const t = this.iterations + 1;
    // Folding both bias corrections into the step size, as Keras does, is what puts ε on the
    // uncorrected √v.
    return (this.currentLearningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
  };

  protected updateStep(g: Tensor, variable: Variable, _lr: number): void {
    const m = this.getSlot(variable, 'momentum');
    const v = this.getSlot(variable, 'velocity');
    if (
      !this.amsgrad &&
      fusedAdamStep(variable, g, m, v, this.alpha, this.beta1, this.beta2, this.epsilon)
    ) {
      return;
    }
    m.assign(m.add(g.sub(m).mul(1 - this.beta1)));
    v.assign(
      v.add(
        g
          .square()
          .sub(v)
          .mul(1 - this.beta2),
      ),
    );
    let denom: Tensor = v;
    if (this.amsgrad) {
      const vHat = this.getSlot(variable, 'velocityHat');
      vHat.assign(vHat.maximum(v));
      denom = vHat;
    }
    const alpha = stepScalar('adam.alpha', this.alpha, m.dtype);
    variable.assignSub(m.mul(alpha).div(denom.sqrt().add(this.epsilon)));
  }

  override getConfig(): Config {
    const { beta1, beta2, epsilon, amsgrad } = this;
    return { ...super.getConfig(), beta1, beta2, epsilon, amsgrad };
  }
}
