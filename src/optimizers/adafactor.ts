/** Adafactor: factored second moments and relative step sizes (Shazeer & Stern, 2018), as Keras 3's. */
import type { Variable } from '../autograd/variable.js';
import type { Config } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerArgs, checkBool, checkHyper } from './optimizer.js';

/** Options of {@link Adafactor}. */
export interface AdafactorArgs extends OptimizerArgs {
  /** Exponent `d` of the second-moment decay `β₂ₜ = 1 − t^d` (default −0.8). */
  beta2Decay?: number;
  /** `ε₁`, added to `g²` to keep the denominator away from 0 (default 1e-30). */
  epsilon1?: number;
  /** `ε₂`, the smallest scale of the step relative to the variable's RMS (default 1e-3). */
  epsilon2?: number;
  /** Clipping threshold `d_c` of the update's RMS, independent of `clipnorm` (default 1). */
  clipThreshold?: number;
  /**
   * Keras's `relative_step` (default true): caps the learning rate at `1/√t`. Kept for the
   * config; Keras caps the step size `ρₜ` at `1/√t` either way, so it changes nothing.
   */
  relativeStep?: boolean;
}

/**
 * The Adafactor optimizer (Keras `Adafactor`; default learning rate 0.001). For variables of
 * rank ≥ 2 it keeps only row and column means of the squared gradients over the last two axes.
 *
 * With `t` the 1-based step, `RMS(x) = √mean(x²)`, `ρ = min(lr, 1/√t)`,
 * `α = max(ε₂, RMS(var))·ρ`, `β = 1 − t^d`, `G = g² + ε₁`:
 * rank ≥ 2: `r ← β·r + (1−β)·mean(G, −1)`; `c ← β·c + (1−β)·mean(G, −2)`;
 * `v = (r / mean(r, −1))[…, None] · c[…, None, :]`; otherwise `v ← β·v + (1−β)·G`;
 * `u = g / √v`; `var ← var − α · u / max(1, RMS(u)/d_c)`.
 *
 * Shape: for a variable of shape `[…, m, n]`, `r` is `[…, m]`, `c` is `[…, n]` and `velocity`
 * is `[…, m, n]`; for rank < 2, `r` and `c` are unused scalars (`[]`) as in Keras.
 * Slots (checkpoint order): `r` for each variable, then `c`, then `velocity`.
 * @example
 * const opt = new Adafactor({ learningRate: 1e-2 });
 * opt.applyGradients([[grad, w]]);
 */
export class Adafactor extends Optimizer {
  static override readonly className: string = 'Adafactor';
  readonly beta2Decay: number;
  readonly epsilon1: number;
  readonly epsilon2: number;
  readonly clipThreshold: number;
  readonly relativeStep: boolean;

  constructor(args: AdafactorArgs = {}) {
    super(args, { learningRate: 0.001, name: 'adafactor' });
    const cls = this.cls;
    this.beta2Decay = checkHyper(cls, 'beta2Decay', args.beta2Decay ?? -0.8);
    this.epsilon1 = checkHyper(cls, 'epsilon1', args.epsilon1 ?? 1e-30, { min: 0 });
    this.epsilon2 = checkHyper(cls, 'epsilon2', args.epsilon2 ?? 1e-3, { min: 0 });
    this.clipThreshold = checkHyper(cls, 'clipThreshold', args.clipThreshold ?? 1, {
      min: 0,
      minOpen: true,
    });
    this.relativeStep = checkBool(cls, 'relativeStep', args.relativeStep ?? true);
  }

  protected buildSlots(variables: readonly Variable[]): void {
    const factored = (v: Variable) => v.shape.length >= 2;
    for (const v of variables) this.addSlot(v, 'r', 0, factored(v) ? v.shape.slice(0, -1) : []);
    for (const v of variables)
      this.addSlot(v, 'c', 0, factored(v) ? [...v.shape.slice(0, -2), v.shape.at(-1)!] : []);
    for (const v of variables) this.addSlot(v, 'velocity');
  }

  protected updateStep(g: Tensor, variable: Variable, lr: number): void {
    const t = this.iterations + 1;
    const rms = (x: Tensor) => Math.sqrt(x.square().mean().item());
    const rho = Math.min(lr, 1 / Math.sqrt(t));
    const alpha = Math.max(this.epsilon2, rms(variable.value())) * rho;
    const g2 = g.square().add(this.epsilon1);
    const beta = 1 - t ** this.beta2Decay;
    const v = this.getSlot(variable, 'velocity');
    if (variable.shape.length >= 2) {
      const r = this.getSlot(variable, 'r');
      const c = this.getSlot(variable, 'c');
      r.assign(r.mul(beta).add(g2.mean(-1).mul(1 - beta)));
      c.assign(c.mul(beta).add(g2.mean(-2).mul(1 - beta)));
      v.assign(r.div(r.mean(-1, true)).expandDims(-1).mul(c.expandDims(-2)));
    } else {
      v.assign(v.mul(beta).add(g2.mul(1 - beta)));
    }
    const u = g.div(v.sqrt());
    const scale = alpha / Math.max(1, rms(u) / this.clipThreshold);
    variable.assignSub(u.mul(scale));
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      beta2Decay: this.beta2Decay,
      epsilon1: this.epsilon1,
      epsilon2: this.epsilon2,
      clipThreshold: this.clipThreshold,
      relativeStep: this.relativeStep,
    };
  }
}
