/** RMSprop: gradients divided by a running root-mean-square of their recent values. */
import type { Variable } from '../autograd/variable.js';
import { stepScalar } from '../engine/params.js';
import type { Config } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { fusedRmspropStep } from './fused.js';
import { Optimizer, type OptimizerArgs, checkBool, checkHyper } from './optimizer.js';

/** Options of {@link RMSprop}. */
export interface RMSpropArgs extends OptimizerArgs {
  /** Discount factor of the running averages, in [0, 1] (default 0.9). */
  rho?: number;
  /** Momentum factor in [0, 1] (default 0: no momentum slot). */
  momentum?: number;
  /** Added under the square root for numerical stability (default 1e-7). */
  epsilon?: number;
  /** Whether to divide by the estimated variance instead of the raw second moment (default false). */
  centered?: boolean;
}

/**
 * The RMSprop optimizer (Keras `RMSprop`; default learning rate 0.001).
 *
 * `v ← ρ·v + (1−ρ)·g²`; the step is `Δ = lr · g / √(v + ε)`, or when centered, with
 * `ḡ ← ρ·ḡ + (1−ρ)·g`, `Δ = lr · g / √(v − ḡ² + ε)`. Without momentum `var ← var − Δ`;
 * with momentum `μ`: `m ← μ·m + Δ; var ← var − m`.
 *
 * Slots (checkpoint order): `velocity` for each variable, then `momentum` (when
 * `momentum > 0`), then `averageGradient` (when centered).
 * @example
 * const opt = new RMSprop({ learningRate: 0.01, centered: true });
 * opt.applyGradients([[grad, w]]);
 */
export class RMSprop extends Optimizer {
  static override readonly className = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(args: RMSpropArgs = {}) {
    super(args, { learningRate: 0.001, name: 'rmsprop' });
    this.rho = checkHyper(this.cls, 'rho', args.rho ?? 0.9, { min: 0, max: 1 });
    this.momentum = checkHyper(this.cls, 'momentum', args.momentum ?? 0, { min: 0, max: 1 });
    this.epsilon = checkHyper(this.cls, 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
    this.centered = checkBool(this.cls, 'centered', args.centered ?? false);
  }

  protected buildSlots(variables: readonly Variable[]): void {
    for (const v of variables) this.addSlot(v, 'velocity');
    if (this.momentum > 0) for (const v of variables) this.addSlot(v, 'momentum');
    if (this.centered) for (const v of variables) this.addSlot(v, 'averageGradient');
  }

  protected override get tracesUpdate(): boolean {
    return true;
  }

  /** The learning rate of the coming step (a step parameter in compiled steps). */
  private readonly stepLr = (): number => this.currentLearningRate;

  protected updateStep(g: Tensor, variable: Variable, _lr: number): void {
    const rho = this.rho;
    const v = this.getSlot(variable, 'velocity');
    if (
      !this.centered &&
      this.momentum === 0 &&
      fusedRmspropStep(variable, g, v, this.stepLr, rho, this.epsilon)
    ) {
      return;
    }
    v.assign(v.mul(rho).add(g.square().mul(1 - rho)));
    let denominator: Tensor;
    if (this.centered) {
      const avg = this.getSlot(variable, 'averageGradient');
      avg.assign(avg.mul(rho).add(g.mul(1 - rho)));
      denominator = v.sub(avg.square()).add(this.epsilon);
    } else {
      denominator = v.add(this.epsilon);
    }
    const increment = g.mul(stepScalar('rmsprop.lr', this.stepLr, g.dtype)).div(denominator.sqrt());
    if (this.momentum > 0) {
      const m = this.getSlot(variable, 'momentum');
      m.assign(m.mul(this.momentum).add(increment));
      variable.assignSub(m);
    } else {
      variable.assignSub(increment);
    }
  }

  override getConfig(): Config {
    const { rho, momentum, epsilon, centered } = this;
    return { ...super.getConfig(), rho, momentum, epsilon, centered };
  }
}
