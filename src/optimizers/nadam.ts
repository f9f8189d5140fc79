/** Nadam: Adam with Nesterov momentum and Dozat's momentum schedule. */
import type { Variable } from '../autograd/variable.js';
import type { Config } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerArgs, checkHyper } from './optimizer.js';

/** Options of {@link Nadam}. */
export interface NadamArgs extends OptimizerArgs {
  /** Base decay rate of the first-moment estimate, in [0, 1) (default 0.9). */
  beta1?: number;
  /** Decay rate of the second-moment estimate, in [0, 1) (default 0.999). */
  beta2?: number;
  /** Added to `√v̂` for numerical stability (default 1e-7). */
  epsilon?: number;
}

/**
 * The Nadam optimizer (Keras `Nadam`; default learning rate 0.001).
 *
 * With `t` the 1-based step, the momentum schedule `uₜ = β₁(1 − ½·0.96^t)` and its running
 * product `Uₜ = u₁·…·uₜ`: `m ← m + (g − m)(1 − β₁)`; `v ← v + (g² − v)(1 − β₂)`;
 * `m̂ = uₜ₊₁·m / (1 − Uₜ·uₜ₊₁) + (1 − uₜ)·g / (1 − Uₜ)`; `v̂ = v / (1 − β₂ᵗ)`;
 * `var ← var − lr · m̂ / (√v̂ + ε)`.
 *
 * Slots (checkpoint order): `momentum` for each variable, then `velocity`. Keras also stores
 * `Uₜ`; here it is a function of the step count, so the step count alone restores it.
 * @example
 * const opt = new Nadam({ learningRate: 2e-3 });
 * opt.applyGradients([[grad, w]]);
 */
export class Nadam extends Optimizer {
  static override readonly className = 'Nadam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  // Cache of Uₜ for t = productStep; recomputed from 1 when the step count jumps (setWeights).
  private product = 1;
  private productStep = 0;

  constructor(args: NadamArgs = {}) {
    super(args, { learningRate: 0.001, name: 'nadam' });
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
  }

  private u(t: number): number {
    return this.beta1 * (1 - 0.5 * 0.96 ** t);
  }

  private uProduct(t: number): number {
    if (t < this.productStep) {
      this.product = 1;
      this.productStep = 0;
    }
    while (this.productStep < t) this.product *= this.u(++this.productStep);
    return this.product;
  }

  protected buildSlots(variables: readonly Variable[]): void {
    for (const v of variables) this.addSlot(v, 'momentum');
    for (const v of variables) this.addSlot(v, 'velocity');
  }

  protected updateStep(g: Tensor, variable: Variable, lr: number): void {
    const { beta1, beta2, epsilon } = this;
    const t = this.iterations + 1;
    const uT = this.u(t);
    const uNext = this.u(t + 1);
    const prodT = this.uProduct(t);
    const prodNext = prodT * uNext;
    const m = this.getSlot(variable, 'momentum');
    const v = this.getSlot(variable, 'velocity');
    m.assign(m.add(g.sub(m).mul(1 - beta1)));
    v.assign(
      v.add(
        g
          .square()
          .sub(v)
          .mul(1 - beta2),
      ),
    );
    const mHat = m.mul(uNext / (1 - prodNext)).add(g.mul((1 - uT) / (1 - prodT)));
    const vHat = v.div(1 - beta2 ** t);
    variable.assignSub(mHat.mul(lr).div(vHat.sqrt().add(epsilon)));
  }

  override getConfig(): Config {
    const { beta1, beta2, epsilon } = this;
    return { ...super.getConfig(), beta1, beta2, epsilon };
  }
}
