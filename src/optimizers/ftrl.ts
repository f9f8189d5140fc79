/** FTRL-Proximal ("Follow The Regularized Leader", McMahan et al., 2013), as Keras 3's `Ftrl`. */
import type { Variable } from '../autograd/variable.js';
import type { Config } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerArgs, checkHyper } from './optimizer.js';

/** Options of {@link Ftrl}. */
export interface FtrlArgs extends OptimizerArgs {
  /** Power `p` of the accumulator in the per-element step size, ≤ 0 (default −0.5; 0: fixed). */
  learningRatePower?: number;
  /** Starting value of the `accumulator` slot, ≥ 0 (default 0.1). */
  initialAccumulatorValue?: number;
  /** L1 regularization strength `λ₁`, ≥ 0 (default 0). */
  l1RegularizationStrength?: number;
  /** L2 (stabilization) regularization strength `λ₂`, ≥ 0 (default 0). */
  l2RegularizationStrength?: number;
  /** L2 shrinkage strength `λₛ` (a magnitude penalty added to the gradient), ≥ 0 (default 0). */
  l2ShrinkageRegularizationStrength?: number;
  /** The paper's `β`, added to `λ₂` as `β / (2·lr)` (default 0). */
  beta?: number;
}

/**
 * The FTRL optimizer (Keras `Ftrl`; default learning rate 0.001), suited to shallow models with
 * large sparse feature spaces.
 *
 * With slots `n` (accumulator, starting at `initialAccumulatorValue`) and `z` (linear, 0),
 * `p = learningRatePower`, `λ₂′ = λ₂ + β/(2·lr)`, `g′ = g + 2·λₛ·var`:
 * `n′ = n + g²`; `z ← z + g′ − ((n′^(−p) − n^(−p)) / lr)·var`;
 * `var ← (clip(z, −λ₁, λ₁) − z) / (n′^(−p)/lr + 2·λ₂′)`; `n ← n′`.
 *
 * Shape: both slots have the variable's shape.
 * Slots (checkpoint order): `accumulator` for each variable, then `linear`.
 * @example
 * const opt = new Ftrl({ learningRate: 0.05, l1RegularizationStrength: 0.01 });
 * opt.applyGradients([[grad, w]]);
 */
export class Ftrl extends Optimizer {
  static override readonly className: string = 'Ftrl';
  readonly learningRatePower: number;
  readonly initialAccumulatorValue: number;
  readonly l1RegularizationStrength: number;
  readonly l2RegularizationStrength: number;
  readonly l2ShrinkageRegularizationStrength: number;
  readonly beta: number;

  constructor(args: FtrlArgs = {}) {
    super(args, { learningRate: 0.001, name: 'ftrl' });
    const cls = this.cls;
    const nonNeg = { min: 0 };
    this.learningRatePower = checkHyper(cls, 'learningRatePower', args.learningRatePower ?? -0.5, {
      max: 0,
    });
    this.initialAccumulatorValue = checkHyper(
      cls,
      'initialAccumulatorValue',
      args.initialAccumulatorValue ?? 0.1,
      nonNeg,
    );
    this.l1RegularizationStrength = checkHyper(
      cls,
      'l1RegularizationStrength',
      args.l1RegularizationStrength ?? 0,
      nonNeg,
    );
    this.l2RegularizationStrength = checkHyper(
      cls,
      'l2RegularizationStrength',
      args.l2RegularizationStrength ?? 0,
      nonNeg,
    );
    this.l2ShrinkageRegularizationStrength = checkHyper(
      cls,
      'l2ShrinkageRegularizationStrength',
      args.l2ShrinkageRegularizationStrength ?? 0,
      nonNeg,
    );
    this.beta = checkHyper(cls, 'beta', args.beta ?? 0);
  }

  protected buildSlots(variables: readonly Variable[]): void {
    for (const v of variables) this.addSlot(v, 'accumulator', this.initialAccumulatorValue);
    for (const v of variables) this.addSlot(v, 'linear');
  }

  protected updateStep(g: Tensor, variable: Variable, lr: number): void {
    const n = this.getSlot(variable, 'accumulator');
    const z = this.getSlot(variable, 'linear');
    const p = -this.learningRatePower;
    const l1 = this.l1RegularizationStrength;
    const l2 = this.l2RegularizationStrength + this.beta / (2 * lr);
    const w = variable.value();
    const gUse = g.add(w.mul(2 * this.l2ShrinkageRegularizationStrength));
    const nNew = n.add(g.square());
    const nNewPow = nNew.pow(p);
    const sigma = nNewPow.sub(n.pow(p)).div(lr);
    z.assign(z.add(gUse.sub(sigma.mul(w))));
    const quadratic = nNewPow.div(lr).add(2 * l2);
    variable.assign(z.clip(-l1, l1).sub(z).div(quadratic));
    n.assign(nNew);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      learningRatePower: this.learningRatePower,
      initialAccumulatorValue: this.initialAccumulatorValue,
      l1RegularizationStrength: this.l1RegularizationStrength,
      l2RegularizationStrength: this.l2RegularizationStrength,
      l2ShrinkageRegularizationStrength: this.l2ShrinkageRegularizationStrength,
      beta: this.beta,
    };
  }
}
