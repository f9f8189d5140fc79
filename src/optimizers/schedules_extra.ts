/** More Keras 3 learning-rate schedules: `CosineDecayRestarts` (SGDR). */
import { ValueError } from '../errors.js';
import { type Config, registerSerializable } from '../serialization.js';
import { LearningRateSchedule } from './schedules.js';

function finite(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ValueError(`CosineDecayRestarts: ${name} must be a finite number, got ${String(v)}`);
  return v;
}

/**
 * Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2017), as Keras's
 * `CosineDecayRestarts`. The first period lasts `firstDecaySteps`; each next one is `tMul`
 * times longer and starts from `mMul` times the previous peak.
 *
 * With `f = step / firstDecaySteps`: for `tMul = 1`, `i = ⌊f⌋` and `x = f − i`; otherwise
 * `i = ⌊log(1 − f·(1 − tMul)) / log(tMul)⌋` and `x = (f − (1 − tMulⁱ)/(1 − tMul)) / tMulⁱ`.
 * Then `lr(step) = initial · ((1 − alpha) · ½·mMulⁱ·(1 + cos(π·x)) + alpha)`.
 * @example
 * const s = new CosineDecayRestarts(0.1, 10); // periods of 10, 20, 40, … steps
 * s.call(0); // 0.1
 * s.call(5); // 0.05
 * s.call(10); // 0.1 (restart)
 */
export class CosineDecayRestarts extends LearningRateSchedule {
  static override readonly className = 'CosineDecayRestarts';

  constructor(
    readonly initialLearningRate: number,
    readonly firstDecaySteps: number,
    readonly tMul = 2,
    readonly mMul = 1,
    readonly alpha = 0,
    readonly name = 'SGDRDecay',
  ) {
    super();
    finite('initialLearningRate', initialLearningRate);
    if (
      !(
        typeof firstDecaySteps === 'number' &&
        firstDecaySteps > 0 &&
        Number.isFinite(firstDecaySteps)
      )
    )
      throw new ValueError(
        `CosineDecayRestarts: firstDecaySteps must be a number > 0, got ${String(firstDecaySteps)}`,
      );
    if (!(typeof tMul === 'number' && tMul > 0 && Number.isFinite(tMul)))
      throw new ValueError(`CosineDecayRestarts: tMul must be a number > 0, got ${String(tMul)}`);
    finite('mMul', mMul);
    finite('alpha', alpha);
    if (typeof name !== 'string')
      throw new ValueError(`CosineDecayRestarts: name must be a string, got ${String(name)}`);
  }

  call(step: number): number {
    let f = step / this.firstDecaySteps;
    let i: number;
    if (this.tMul === 1) {
      i = Math.floor(f);
      f -= i;
    } else {
      const t = this.tMul;
      i = Math.floor(Math.log(1 - f * (1 - t)) / Math.log(t));
      f = (f - (1 - t ** i) / (1 - t)) / t ** i;
    }
    const cosine = 0.5 * this.mMul ** i * (1 + Math.cos(Math.PI * f));
    return this.initialLearningRate * ((1 - this.alpha) * cosine + this.alpha);
  }

  getConfig(): Config {
    const { initialLearningRate, firstDecaySteps, tMul, mMul, alpha, name } = this;
    return { initialLearningRate, firstDecaySteps, tMul, mMul, alpha, name };
  }

  static override fromConfig(c: Config): CosineDecayRestarts {
    return new CosineDecayRestarts(
      c.initialLearningRate as number,
      c.firstDecaySteps as number,
      (c.tMul as number | undefined) ?? 2,
      (c.mMul as number | undefined) ?? 1,
      (c.alpha as number | undefined) ?? 0,
      (c.name as string | undefined) ?? 'SGDRDecay',
    );
  }
}

registerSerializable<LearningRateSchedule>('schedule', CosineDecayRestarts);

/**
 * Creates a {@link CosineDecayRestarts} schedule (cosine decay with warm restarts).
 * @example const lr = cosineDecayRestarts(0.1, 1000, 2, 0.9);
 */
export function cosineDecayRestarts(
  initialLearningRate: number,
  firstDecaySteps: number,
  tMul = 2,
  mMul = 1,
  alpha = 0,
  name = 'SGDRDecay',
): CosineDecayRestarts {
  return new CosineDecayRestarts(initialLearningRate, firstDecaySteps, tMul, mMul, alpha, name);
}
