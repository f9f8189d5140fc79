/** Stochastic gradient descent, with optional (Nesterov) momentum. */
import type { Variable } from '../autograd/variable.js';
import { stepScalar } from '../engine/params.js';
import type { Config } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerArgs, checkBool, checkHyper } from './optimizer.js';

/** Options of {@link SGD}. */
export interface SGDArgs extends OptimizerArgs {
  /** Momentum factor in [0, 1]; 0 is plain gradient descent (default 0). */
  momentum?: number;
  /** Whether to use Nesterov momentum (default false; no effect without momentum). */
  nesterov?: boolean;
}

/**
 * Gradient descent with optional momentum (Keras `SGD`; default learning rate 0.01).
 *
 * Without momentum: `var ← var − lr · g`. With momentum `μ` and a velocity slot `m`
 * (starting at 0): `m ← μ·m − lr·g; var ← var + m`, or with Nesterov
 * `m ← μ·m − lr·g; var ← var + μ·m − lr·g`.
 *
 * Slots (checkpoint order): `momentum` for each variable, only when `momentum > 0`.
 * @example
 * const opt = new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true });
 * opt.applyGradients([[grad, w]]);
 */
export class SGD extends Optimizer {
  static override readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(args: SGDArgs = {}) {
    super(args, { learningRate: 0.01, name: 'SGD' });
    this.momentum = checkHyper(this.cls, 'momentum', args.momentum ?? 0, { min: 0, max: 1 });
    this.nesterov = checkBool(this.cls, 'nesterov', args.nesterov ?? false);
  }

  protected buildSlots(variables: readonly Variable[]): void {
    // Plain SGD keeps no state, so no slot is allocated for it.
    if (this.momentum !== 0) for (const v of variables) this.addSlot(v, 'momentum');
  }

  protected override get tracesUpdate(): boolean {
    return true;
  }

  protected updateStep(g: Tensor, variable: Variable, _lr: number): void {
    // The learning rate as a step parameter: a compiled step recomputes it at every replay.
    const lr = () => stepScalar('sgd.lr', () => this.currentLearningRate, g.dtype);
    if (this.momentum === 0) {
      variable.assignSub(g.mul(lr()));
      return;
    }
    const m = this.getSlot(variable, 'momentum');
    m.assign(m.mul(this.momentum).sub(g.mul(lr())));
    variable.assignAdd(this.nesterov ? m.mul(this.momentum).sub(g.mul(lr())) : m);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}
