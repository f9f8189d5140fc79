/**
 * Learning-rate schedules: functions of the optimizer's step count that an optimizer evaluates
 * before each update when one is passed as its `learningRate`. Semantics follow
 * `keras.optimizers.schedules`; values are computed in double precision.
 */
import { ValueError } from '../errors.js';
import { type Config, type Serializable, registerSerializable } from '../serialization.js';

/**
 * Base class of learning-rate schedules: `call(step)` maps the number of updates applied so far
 * (0 for the first update) to a learning rate.
 *
 * A custom schedule defines `static className`, `call`, `getConfig` and `static fromConfig`,
 * and is registered with `registerSerializable('schedule', Cls)` so that optimizer configs
 * naming it load.
 * @example
 * class Halving extends LearningRateSchedule {
 *   static override readonly className = 'Halving';
 *   call(step: number) { return 0.1 * 0.5 ** Math.floor(step / 100); }
 *   getConfig() { return {}; }
 *   static override fromConfig() { return new Halving(); }
 * }
 */
export abstract class LearningRateSchedule implements Serializable {
  static readonly className: string = 'LearningRateSchedule';

  /** The learning rate to use for the update that follows `step` applied updates. */
  abstract call(step: number): number;

  abstract getConfig(): Config;

  /** Rebuilds a schedule from {@link getConfig}'s output; concrete classes override it. */
  static fromConfig(_config: Config): LearningRateSchedule {
    throw new ValueError(
      'LearningRateSchedule.fromConfig: a schedule class must define its own static fromConfig',
    );
  }
}

function checkDecaySteps(cls: string, decaySteps: number): void {
  if (!(typeof decaySteps === 'number' && decaySteps > 0 && Number.isFinite(decaySteps))) {
    throw new ValueError(`${cls}: decaySteps must be a positive number, got ${decaySteps}`);
  }
}

function checkFinite(cls: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ValueError(`${cls}: ${name} must be a finite number, got ${v}`);
  }
}

/** A string config entry, or `d` when it is missing (configs from older files may omit names). */
function str(c: Config, k: string, d: string): string {
  return typeof c[k] === 'string' ? (c[k] as string) : d;
}

/**
 * Exponential decay: `lr(step) = initialLearningRate · decayRate^(step / decaySteps)`, with the
 * exponent floored when `staircase` is true.
 * @example
 * const s = new ExponentialDecay(0.1, 1000, 0.96, true);
 * s.call(2500); // 0.1 · 0.96²
 */
export class ExponentialDecay extends LearningRateSchedule {
  static override readonly className = 'ExponentialDecay';

  constructor(
    readonly initialLearningRate: number,
    readonly decaySteps: number,
    readonly decayRate: number,
    readonly staircase = false,
    readonly name = 'ExponentialDecay',
  ) {
    super();
    checkFinite('ExponentialDecay', 'initialLearningRate', initialLearningRate);
    checkDecaySteps('ExponentialDecay', decaySteps);
    checkFinite('ExponentialDecay', 'decayRate', decayRate);
  }

  call(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate * this.decayRate ** p;
  }

  getConfig(): Config {
    const { initialLearningRate, decaySteps, decayRate, staircase, name } = this;
    return { initialLearningRate, decaySteps, decayRate, staircase, name };
  }

  static override fromConfig(c: Config): ExponentialDecay {
    return new ExponentialDecay(
      c.initialLearningRate as number,
      c.decaySteps as number,
      c.decayRate as number,
      c.staircase === true,
      str(c, 'name', 'ExponentialDecay'),
    );
  }
}

/**
 * Inverse time decay: `lr(step) = initialLearningRate / (1 + decayRate · step / decaySteps)`,
 * with `step / decaySteps` floored when `staircase` is true.
 * @example
 * const s = new InverseTimeDecay(0.1, 1, 0.5);
 * s.call(2); // 0.1 / (1 + 0.5·2) = 0.05
 */
export class InverseTimeDecay extends LearningRateSchedule {
  static override readonly className = 'InverseTimeDecay';

  constructor(
    readonly initialLearningRate: number,
    readonly decaySteps: number,
    readonly decayRate: number,
    readonly staircase = false,
    readonly name = 'InverseTimeDecay',
  ) {
    super();
    checkFinite('InverseTimeDecay', 'initialLearningRate', initialLearningRate);
    checkDecaySteps('InverseTimeDecay', decaySteps);
    checkFinite('InverseTimeDecay', 'decayRate', decayRate);
  }

  call(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate / (1 + this.decayRate * p);
  }

  getConfig(): Config {
    const { initialLearningRate, decaySteps, decayRate, staircase, name } = this;
    return { initialLearningRate, decaySteps, decayRate, staircase, name };
  }

  static override fromConfig(c: Config): InverseTimeDecay {
    return new InverseTimeDecay(
      c.initialLearningRate as number,
      c.decaySteps as number,
      c.decayRate as number,
      c.staircase === true,
      str(c, 'name', 'InverseTimeDecay'),
    );
  }
}

/**
 * Piecewise constant: `values[0]` while `step ≤ boundaries[0]`, `values[i]` while
 * `boundaries[i-1] < step ≤ boundaries[i]`, and the last value after the last boundary.
 * @example
 * const s = new PiecewiseConstantDecay([100, 200], [1, 0.5, 0.1]);
 * s.call(100); // 1
 * s.call(101); // 0.5
 */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  static override readonly className = 'PiecewiseConstantDecay';
  readonly boundaries: readonly number[];
  readonly values: readonly number[];

  constructor(
    boundaries: readonly number[],
    values: readonly number[],
    readonly name = 'PiecewiseConstant',
  ) {
    super();
    if (
      !Array.isArray(boundaries) ||
      !Array.isArray(values) ||
      boundaries.length !== values.length - 1
    ) {
      throw new ValueError(
        `PiecewiseConstantDecay: boundaries must have one element fewer than values, got boundaries ${JSON.stringify(boundaries)} and values ${JSON.stringify(values)}`,
      );
    }
    boundaries.forEach((b, i) => {
      checkFinite('PiecewiseConstantDecay', `boundaries[${i}]`, b);
      if (i > 0 && b <= boundaries[i - 1]!) {
        throw new ValueError(
          `PiecewiseConstantDecay: boundaries must increase strictly, got ${JSON.stringify(boundaries)}`,
        );
      }
    });
    values.forEach((v, i) => checkFinite('PiecewiseConstantDecay', `values[${i}]`, v));
    this.boundaries = [...boundaries];
    this.values = [...values];
  }

  call(step: number): number {
    const i = this.boundaries.findIndex((b) => step <= b);
    return this.values[i < 0 ? this.values.length - 1 : i]!;
  }

  getConfig(): Config {
    return { boundaries: [...this.boundaries], values: [...this.values], name: this.name };
  }

  static override fromConfig(c: Config): PiecewiseConstantDecay {
    return new PiecewiseConstantDecay(
      c.boundaries as number[],
      c.values as number[],
      str(c, 'name', 'PiecewiseConstant'),
    );
  }
}

/**
 * Polynomial decay from `initialLearningRate` to `endLearningRate` over `decaySteps`:
 * `lr(step) = (initial − end) · (1 − s / D)^power + end`. Without `cycle`, `s = min(step, D)`
 * and `D = decaySteps`; with `cycle`, `s = step` and `D = decaySteps · ceil(step / decaySteps)`
 * (`D = decaySteps` at step 0), so the decay restarts after each period.
 * @example
 * const s = new PolynomialDecay(0.1, 100, 0.01, 0.5);
 * s.call(50); // 0.09 · √0.5 + 0.01
 */
export class PolynomialDecay extends LearningRateSchedule {
  static override readonly className = 'PolynomialDecay';

  constructor(
    readonly initialLearningRate: number,
    readonly decaySteps: number,
    readonly endLearningRate = 1e-4,
    readonly power = 1,
    readonly cycle = false,
    readonly name = 'PolynomialDecay',
  ) {
    super();
    checkFinite('PolynomialDecay', 'initialLearningRate', initialLearningRate);
    checkDecaySteps('PolynomialDecay', decaySteps);
    checkFinite('PolynomialDecay', 'endLearningRate', endLearningRate);
    checkFinite('PolynomialDecay', 'power', power);
  }

  call(step: number): number {
    let s = step;
    let d = this.decaySteps;
    if (this.cycle) d *= step === 0 ? 1 : Math.ceil(step / this.decaySteps);
    else s = Math.min(step, d);
    return (
      (this.initialLearningRate - this.endLearningRate) * (1 - s / d) ** this.power +
      this.endLearningRate
    );
  }

  getConfig(): Config {
    const { initialLearningRate, decaySteps, endLearningRate, power, cycle, name } = this;
    return { initialLearningRate, decaySteps, endLearningRate, power, cycle, name };
  }

  static override fromConfig(c: Config): PolynomialDecay {
    return new PolynomialDecay(
      c.initialLearningRate as number,
      c.decaySteps as number,
      (c.endLearningRate as number | undefined) ?? 1e-4,
      (c.power as number | undefined) ?? 1,
      c.cycle === true,
      str(c, 'name', 'PolynomialDecay'),
    );
  }
}

/**
 * Cosine decay with optional linear warmup. Without `warmupTarget`:
 * `lr(step) = initial · ((1 − alpha) · ½(1 + cos(π · min(step, D) / D)) + alpha)`,
 * `D = decaySteps`. With `warmupTarget`, the rate first rises linearly from
 * `initialLearningRate` to `warmupTarget` over `warmupSteps`, then decays from `warmupTarget`
 * by the same cosine over the next `decaySteps` (ending at `alpha · warmupTarget`).
 * @example
 * const s = new CosineDecay(0, 1000, 0, 'CosineDecay', 0.1, 100);
 * s.call(50); // 0.05 (warming up)
 * s.call(600); // 0.1 · ½(1 + cos(π/2)) = 0.05
 */
export class CosineDecay extends LearningRateSchedule {
  static override readonly className = 'CosineDecay';

  constructor(
    readonly initialLearningRate: number,
    readonly decaySteps: number,
    readonly alpha = 0,
    readonly name = 'CosineDecay',
    readonly warmupTarget: number | undefined = undefined,
    readonly warmupSteps = 0,
  ) {
    super();
    checkFinite('CosineDecay', 'initialLearningRate', initialLearningRate);
    checkDecaySteps('CosineDecay', decaySteps);
    checkFinite('CosineDecay', 'alpha', alpha);
    if (warmupTarget !== undefined) checkFinite('CosineDecay', 'warmupTarget', warmupTarget);
    if (!(warmupSteps >= 0 && Number.isFinite(warmupSteps))) {
      throw new ValueError(
        `CosineDecay: warmupSteps must be a non-negative number, got ${warmupSteps}`,
      );
    }
  }

  private decay(step: number, from: number): number {
    const cosine = 0.5 * (1 + Math.cos((Math.PI * step) / this.decaySteps));
    return from * ((1 - this.alpha) * cosine + this.alpha);
  }

  call(step: number): number {
    if (this.warmupTarget === undefined)
      return this.decay(Math.min(step, this.decaySteps), this.initialLearningRate);
    const s = Math.min(step, this.decaySteps + this.warmupSteps);
    if (s < this.warmupSteps) {
      return (
        (this.warmupTarget - this.initialLearningRate) * (s / this.warmupSteps) +
        this.initialLearningRate
      );
    }
    return this.decay(s - this.warmupSteps, this.warmupTarget);
  }

  getConfig(): Config {
    const { initialLearningRate, decaySteps, alpha, name, warmupSteps } = this;
    return {
      initialLearningRate,
      decaySteps,
      alpha,
      name,
      warmupTarget: this.warmupTarget ?? null,
      warmupSteps,
    };
  }

  static override fromConfig(c: Config): CosineDecay {
    return new CosineDecay(
      c.initialLearningRate as number,
      c.decaySteps as number,
      (c.alpha as number | undefined) ?? 0,
      str(c, 'name', 'CosineDecay'),
      typeof c.warmupTarget === 'number' ? c.warmupTarget : undefined,
      (c.warmupSteps as number | undefined) ?? 0,
    );
  }
}

for (const cls of [
  ExponentialDecay,
  InverseTimeDecay,
  PiecewiseConstantDecay,
  PolynomialDecay,
  CosineDecay,
]) {
  registerSerializable<LearningRateSchedule>('schedule', cls);
}

/**
 * Creates an {@link ExponentialDecay}: `initial · decayRate^(step / decaySteps)`.
 * @example const lr = exponentialDecay(0.1, 1000, 0.96);
 */
export function exponentialDecay(
  initialLearningRate: number,
  decaySteps: number,
  decayRate: number,
  staircase = false,
  name?: string,
): ExponentialDecay {
  return new ExponentialDecay(initialLearningRate, decaySteps, decayRate, staircase, name);
}

/**
 * Creates an {@link InverseTimeDecay}: `initial / (1 + decayRate · step / decaySteps)`.
 * @example const lr = inverseTimeDecay(0.1, 1, 0.5);
 */
export function inverseTimeDecay(
  initialLearningRate: number,
  decaySteps: number,
  decayRate: number,
  staircase = false,
  name?: string,
): InverseTimeDecay {
  return new InverseTimeDecay(initialLearningRate, decaySteps, decayRate, staircase, name);
}

/**
 * Creates a {@link PiecewiseConstantDecay}: `values[i]` between `boundaries[i-1]` (excluded)
 * and `boundaries[i]` (included).
 * @example const lr = piecewiseConstantDecay([100, 200], [1, 0.5, 0.1]);
 */
export function piecewiseConstantDecay(
  boundaries: readonly number[],
  values: readonly number[],
  name?: string,
): PiecewiseConstantDecay {
  return new PiecewiseConstantDecay(boundaries, values, name);
}

/**
 * Creates a {@link PolynomialDecay}: `(initial − end) · (1 − step / decaySteps)^power + end`.
 * @example const lr = polynomialDecay(0.1, 10000, 0.01, 0.5);
 */
export function polynomialDecay(
  initialLearningRate: number,
  decaySteps: number,
  endLearningRate = 1e-4,
  power = 1,
  cycle = false,
  name?: string,
): PolynomialDecay {
  return new PolynomialDecay(initialLearningRate, decaySteps, endLearningRate, power, cycle, name);
}

/**
 * Creates a {@link CosineDecay}: optional linear warmup, then
 * `from · ((1 − alpha) · ½(1 + cos(π · step / decaySteps)) + alpha)`.
 * @example const lr = cosineDecay(0, 1000, 0, undefined, 0.1, 100);
 */
export function cosineDecay(
  initialLearningRate: number,
  decaySteps: number,
  alpha = 0,
  name?: string,
  warmupTarget?: number,
  warmupSteps = 0,
): CosineDecay {
  return new CosineDecay(initialLearningRate, decaySteps, alpha, name, warmupTarget, warmupSteps);
}
