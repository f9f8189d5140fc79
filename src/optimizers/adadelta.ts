/** Adadelta: step sizes from running averages of squared gradients and squared updates. */
import type { Variable } from '../autograd/variable.js';
import { stepScalar } from '../engine/params.js';
import type { Config } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerArgs, checkHyper } from './optimizer.js';

/** Options of {@link Adadelta}. */
export interface AdadeltaArgs extends OptimizerArgs {
  /** Decay rate of both running averages, in [0, 1] (default 0.95). */
  rho?: number;
  /** Added under each square root for numerical stability (default 1e-7). */
  epsilon?: number;
}

/**
 * The Adadelta optimizer (Keras `Adadelta`; default learning rate 0.001, while Zeiler's paper
 * corresponds to 1.0).
 *
 * With running averages `a` (of g²) and `d` (of squared updates), both starting at 0:
 * `a ← ρ·a + (1−ρ)·g²`; `Δ = −√(d + ε) / √(a + ε) · g` (using the new `a`);
 * `d ← ρ·d + (1−ρ)·Δ²`; `var ← var + lr · Δ`.
 *
 * Slots (checkpoint order): `accumulatedGrad` for each variable, then `accumulatedDeltaVar`.
 * @example
 * const opt = new Adadelta({ learningRate: 1.0 });
 * opt.applyGradients([[grad, w]]);
 */
export class Adadelta extends Optimizer {
  static override readonly className = 'Adadelta';
  readonly rho: number;
  readonly epsilon: number;

  constructor(args: AdadeltaArgs = {}) {
    super(args, { learningRate: 0.001, name: 'adadelta' });
    this.rho = checkHyper(this.cls, 'rho', args.rho ?? 0.95, { min: 0, max: 1 });
    this.epsilon = checkHyper(this.cls, 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
  }

  protected buildSlots(variables: readonly Variable[]): void {
    for (const v of variables) this.addSlot(v, 'accumulatedGrad');
    for (const v of variables) this.addSlot(v, 'accumulatedDeltaVar');
  }

  protected override get tracesUpdate(): boolean {
    return true;
  }

  protected updateStep(g: Tensor, variable: Variable, _lr: number): void {
    const { rho, epsilon } = this;
    const a = this.getSlot(variable, 'accumulatedGrad');
    const d = this.getSlot(variable, 'accumulatedDeltaVar');
    a.assign(a.mul(rho).add(g.square().mul(1 - rho)));
    const delta = d.add(epsilon).sqrt().mul(g).div(a.add(epsilon).sqrt()).neg();
    d.assign(d.mul(rho).add(delta.square().mul(1 - rho)));
    // The learning rate as a step parameter: compiled steps recompute it at every replay.
    variable.assignAdd(
      delta.mul(stepScalar('adadelta.lr', () => this.currentLearningRate, delta.dtype)),
    );
  }

  override getConfig(): Config {
    return { ...super.getConfig(), rho: this.rho, epsilon: this.epsilon };
  }
}
