/** Adagrad: per-element step sizes shrinking with the accumulated squared gradients. */
import type { Variable } from '../autograd/variable.js';
import { stepScalar } from '../engine/params.js';
import type { Config } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerArgs, checkHyper } from './optimizer.js';

/** Options of {@link Adagrad}. */
export interface AdagradArgs extends OptimizerArgs {
  /** Starting value of the accumulators, ≥ 0 (default 0.1). */
  initialAccumulatorValue?: number;
  /** Added inside the square root for numerical stability (default 1e-7). */
  epsilon?: number;
}

/**
 * The Adagrad optimizer (Keras `Adagrad`; default learning rate 0.001).
 *
 * With an accumulator `a` starting at `initialAccumulatorValue`:
 * `a ← a + g²; var ← var − lr · g / √(a + ε)`.
 *
 * Slots (checkpoint order): `accumulator` for each variable.
 * @example
 * const opt = new Adagrad({ learningRate: 0.1 });
 * opt.applyGradients([[grad, w]]);
 */
export class Adagrad extends Optimizer {
  static override readonly className = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(args: AdagradArgs = {}) {
    super(args, { learningRate: 0.001, name: 'adagrad' });
    this.initialAccumulatorValue = checkHyper(
      this.cls,
      'initialAccumulatorValue',
      args.initialAccumulatorValue ?? 0.1,
      {
        min: 0,
      },
    );
    this.epsilon = checkHyper(this.cls, 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
  }

  protected buildSlots(variables: readonly Variable[]): void {
    for (const v of variables) this.addSlot(v, 'accumulator', this.initialAccumulatorValue);
  }

  protected override get tracesUpdate(): boolean {
    return true;
  }

  protected updateStep(g: Tensor, variable: Variable, _lr: number): void {
    const a = this.getSlot(variable, 'accumulator');
    a.assign(a.add(g.square()));
    // The learning rate as a step parameter: compiled steps recompute it at every replay.
    const lr = stepScalar('adagrad.lr', () => this.currentLearningRate, g.dtype);
    variable.assignSub(g.mul(lr).div(a.add(this.epsilon).sqrt()));
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      initialAccumulatorValue: this.initialAccumulatorValue,
      epsilon: this.epsilon,
    };
  }
}
