/** Adamax: Adam with the infinity norm in place of the second moment. */
import type { Variable } from '../autograd/variable.js';
import { stepScalar } from '../engine/params.js';
import type { Config } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerArgs, checkHyper } from './optimizer.js';

/** Options of {@link Adamax}. */
export interface AdamaxArgs extends OptimizerArgs {
  /** Decay rate of the first-moment estimate, in [0, 1) (default 0.9). */
  beta1?: number;
  /** Decay rate of the exponentially weighted infinity norm, in [0, 1] (default 0.999). */
  beta2?: number;
  /** Added to the norm for numerical stability (default 1e-7). */
  epsilon?: number;
}

/**
 * The Adamax optimizer (Keras `Adamax`; default learning rate 0.001).
 *
 * With `t` the 1-based step and slots `m`, `u` starting at 0:
 * `m ← m + (g − m)(1 − β₁)`; `u ← max(β₂·u, |g|)`; `var ← var − lr · m / ((1 − β₁ᵗ)(u + ε))`.
 *
 * Slots (checkpoint order): `momentum` for each variable, then `norm`.
 * @example
 * const opt = new Adamax({ learningRate: 0.002 });
 * opt.applyGradients([[grad, w]]);
 */
export class Adamax extends Optimizer {
  static override readonly className = 'Adamax';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(args: AdamaxArgs = {}) {
    super(args, { learningRate: 0.001, name: 'adamax' });
    this.beta1 = checkHyper(this.cls, 'beta1', args.beta1 ?? 0.9, {
      min: 0,
      max: 1,
      maxOpen: true,
    });
    this.beta2 = checkHyper(this.cls, 'beta2', args.beta2 ?? 0.999, { min: 0, max: 1 });
    this.epsilon = checkHyper(this.cls, 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
  }

  protected buildSlots(variables: readonly Variable[]): void {
    for (const v of variables) this.addSlot(v, 'momentum');
    for (const v of variables) this.addSlot(v, 'norm');
  }

  protected override get tracesUpdate(): boolean {
    return true;
  }

  protected updateStep(g: Tensor, variable: Variable, _lr: number): void {
    const m = this.getSlot(variable, 'momentum');
    const u = this.getSlot(variable, 'norm');
    m.assign(m.add(g.sub(m).mul(1 - this.beta1)));
    u.assign(u.mul(this.beta2).maximum(g.abs()));
    // Step parameters: compiled steps recompute the rate and the bias correction per replay.
    const lr = stepScalar('adamax.lr', () => this.currentLearningRate, m.dtype);
    const correction = stepScalar(
      'adamax.correction',
      () => 1 - this.beta1 ** (this.iterations + 1),
      u.dtype,
    );
    variable.assignSub(m.mul(lr).div(u.add(this.epsilon).mul(correction)));
  }

  override getConfig(): Config {
    const { beta1, beta2, epsilon } = this;
    return { ...super.getConfig(), beta1, beta2, epsilon };
  }
}
