/**
 * Weight constraints, as Keras 3's `keras.constraints`: `c.call(w)` returns the projected weight
 * that an optimizer writes back after each update. Norms are taken along `axis` (default 0: for
 * a Dense kernel `[in, out]` that is each unit's incoming weight vector; for a conv kernel
 * `[kh, kw, in, out]` pass `[0, 1, 2]`). Divisions add Keras's ε = 1e-7 to the norm, so zero
 * vectors stay zero instead of becoming NaN.
 */
import { ValueError } from './errors.js';
import { add, clip, div, maximum, mul, sqrt, square } from './ops/elementwise.js';
import { sum } from './ops/reduce.js';
import {
  type Config,
  type ConfigValue,
  type Serializable,
  type SerializedObject,
  registerSerializable,
  resolveIdentifier,
} from './serialization.js';
import { normalizeAxes } from './tensor/shape.js';
import type { Tensor } from './tensor/tensor.js';

/** Keras's `backend.epsilon()`. */
const EPSILON = 1e-7;

/** The axes norms are taken along: one axis or several. */
export type ConstraintAxis = number | number[];

/**
 * Base class of every constraint: `call(w)` returns the projected weight, same shape. Subclasses
 * define `static className`, `getConfig()` and `static fromConfig(config)` and are registered
 * under the category `'constraint'`.
 *
 * Formula: w ← P(w).
 * @example
 * class Clip1 extends Constraint {
 *   static override readonly className = 'Clip1';
 *   call(w: Tensor) { return w.clip(-1, 1); }
 *   static fromConfig() { return new Clip1(); }
 * }
 * registerSerializable('constraint', Clip1);
 */
export abstract class Constraint implements Serializable {
  /** The class name written in configs (Keras's, for built-ins). */
  static readonly className: string = 'Constraint';

  /** The projected weight. */
  abstract call(w: Tensor): Tensor;

  /** The constructor arguments as plain JSON. */
  getConfig(): Config {
    return {};
  }

  /** The registered class name of this instance. */
  get className(): string {
    return (this.constructor as typeof Constraint).className;
  }
}

function checkNumber(owner: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ValueError(`${owner}: ${name} must be a finite number, got ${String(v)}`);
  }
  return v;
}

function checkAxis(owner: string, axis: unknown): ConstraintAxis {
  const ok = (a: unknown) => typeof a === 'number' && Number.isInteger(a);
  if (ok(axis)) return axis as number;
  if (Array.isArray(axis) && axis.length > 0 && axis.every(ok)) return [...(axis as number[])];
  throw new ValueError(
    `${owner}: axis must be an integer or a non-empty array of integers, got ${JSON.stringify(axis)}`,
  );
}

/** ‖w‖₂ along `axis`, kept as size-1 axes so that it broadcasts against w. */
function norms(owner: string, w: Tensor, axis: ConstraintAxis): Tensor {
  // Resolved here so that a bad axis names the constraint rather than `sum`.
  const axes = normalizeAxes(axis, w.rank, owner);
  return sqrt(sum(square(w), axes, true));
}

/** Reads a config key, falling back to Keras's snake_case spelling of it. */
function pick(config: Config, key: string, kerasKey: string): ConfigValue | undefined {
  return config[key] ?? config[kerasKey] ?? undefined;
}

/** Arguments of {@link MaxNorm}. */
export interface MaxNormArgs {
  /** Largest allowed norm (default 2). */
  maxValue?: number;
  /** Axis or axes of the norm (default 0). */
  axis?: ConstraintAxis;
}

/**
 * Rescales each weight vector whose norm exceeds `maxValue` down to that norm; shorter vectors
 * are kept (up to the ε). Keras 3 defaults: maxValue 2, axis 0.
 *
 * Formula: w · clip(‖w‖, 0, maxValue) / (ε + ‖w‖).
 * @example new MaxNorm({ maxValue: 1 }).call(tensor([[3, 0.6], [4, 0.8]])) // [[0.6, 0.6], [0.8, 0.8]]
 */
export class MaxNorm extends Constraint {
  static override readonly className = 'MaxNorm';
  readonly maxValue: number;
  readonly axis: ConstraintAxis;

  constructor(args: MaxNormArgs = {}) {
    super();
    this.maxValue = checkNumber('MaxNorm', 'maxValue', args.maxValue ?? 2);
    if (this.maxValue < 0)
      throw new ValueError(`MaxNorm: maxValue must be >= 0, got ${this.maxValue}`);
    this.axis = checkAxis('MaxNorm', args.axis ?? 0);
  }

  call(w: Tensor): Tensor {
    const n = norms('MaxNorm', w, this.axis);
    return mul(w, div(clip(n, 0, this.maxValue), add(n, EPSILON)));
  }

  override getConfig(): Config {
    return { maxValue: this.maxValue, axis: this.axis };
  }

  /** Rebuilds from `{maxValue, axis}` (Keras's `max_value` accepted). */
  static fromConfig(config: Config): MaxNorm {
    return new MaxNorm({
      maxValue: pick(config, 'maxValue', 'max_value') as number | undefined,
      axis: (config.axis ?? undefined) as ConstraintAxis | undefined,
    });
  }
}

/**
 * Sets negative weights to zero.
 *
 * Formula: max(w, 0).
 * @example new NonNeg().call(tensor([-1, 2])) // [0, 2]
 */
export class NonNeg extends Constraint {
  static override readonly className = 'NonNeg';

  call(w: Tensor): Tensor {
    return maximum(w, 0);
  }

  /** Rebuilds from a config (NonNeg takes none). */
  static fromConfig(_config: Config = {}): NonNeg {
    return new NonNeg();
  }
}

/** Arguments of {@link UnitNorm}. */
export interface UnitNormArgs {
  /** Axis or axes of the norm (default 0). */
  axis?: ConstraintAxis;
}

/**
 * Scales each weight vector to unit norm (Keras 3 default axis 0).
 *
 * Formula: w / (ε + ‖w‖).
 * @example new UnitNorm().call(tensor([[3], [4]])) // [[0.6], [0.8]]
 */
export class UnitNorm extends Constraint {
  static override readonly className = 'UnitNorm';
  readonly axis: ConstraintAxis;

  constructor(args: UnitNormArgs = {}) {
    super();
    this.axis = checkAxis('UnitNorm', args.axis ?? 0);
  }

  call(w: Tensor): Tensor {
    return div(w, add(norms('UnitNorm', w, this.axis), EPSILON));
  }

  override getConfig(): Config {
    return { axis: this.axis };
  }

  /** Rebuilds from `{axis}`. */
  static fromConfig(config: Config): UnitNorm {
    return new UnitNorm({ axis: (config.axis ?? undefined) as ConstraintAxis | undefined });
  }
}

/** Arguments of {@link MinMaxNorm}. */
export interface MinMaxNormArgs {
  /** Smallest allowed norm (default 0). */
  minValue?: number;
  /** Largest allowed norm (default 1). */
  maxValue?: number;
  /** How far to move toward the allowed range per call: 1 is strict (default 1). */
  rate?: number;
  /** Axis or axes of the norm (default 0). */
  axis?: ConstraintAxis;
}

/**
 * Moves each weight vector's norm into [minValue, maxValue], by a fraction `rate` of the way per
 * call. Keras 3 defaults: minValue 0, maxValue 1, rate 1, axis 0.
 *
 * Formula: desired = rate · clip(‖w‖, minValue, maxValue) + (1 − rate) · ‖w‖;
 * w · desired / (ε + ‖w‖).
 * @example new MinMaxNorm({ minValue: 1, maxValue: 2, rate: 0.5 }).call(tensor([[3], [4]])) // norm 5 → 3.5
 */
export class MinMaxNorm extends Constraint {
  static override readonly className = 'MinMaxNorm';
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  readonly axis: ConstraintAxis;

  constructor(args: MinMaxNormArgs = {}) {
    super();
    this.minValue = checkNumber('MinMaxNorm', 'minValue', args.minValue ?? 0);
    this.maxValue = checkNumber('MinMaxNorm', 'maxValue', args.maxValue ?? 1);
    if (this.minValue > this.maxValue) {
      throw new ValueError(
        `MinMaxNorm: need minValue <= maxValue, got ${this.minValue}, ${this.maxValue}`,
      );
    }
    this.rate = checkNumber('MinMaxNorm', 'rate', args.rate ?? 1);
    this.axis = checkAxis('MinMaxNorm', args.axis ?? 0);
  }

  call(w: Tensor): Tensor {
    const n = norms('MinMaxNorm', w, this.axis);
    const desired = add(
      mul(clip(n, this.minValue, this.maxValue), this.rate),
      mul(n, 1 - this.rate),
    );
    return mul(w, div(desired, add(n, EPSILON)));
  }

  override getConfig(): Config {
    return { minValue: this.minValue, maxValue: this.maxValue, rate: this.rate, axis: this.axis };
  }

  /** Rebuilds from `{minValue, maxValue, rate, axis}` (Keras's snake_case keys accepted). */
  static fromConfig(config: Config): MinMaxNorm {
    return new MinMaxNorm({
      minValue: pick(config, 'minValue', 'min_value') as number | undefined,
      maxValue: pick(config, 'maxValue', 'max_value') as number | undefined,
      rate: (config.rate ?? undefined) as number | undefined,
      axis: (config.axis ?? undefined) as ConstraintAxis | undefined,
    });
  }
}

for (const cls of [MaxNorm, NonNeg, UnitNorm, MinMaxNorm])
  registerSerializable<Constraint>('constraint', cls);

/** The constraint names `getConstraint` accepts (camelCase). */
export type ConstraintId = 'maxNorm' | 'nonNeg' | 'unitNorm' | 'minMaxNorm';
/** Keras's snake_case spellings, accepted on input. */
export type ConstraintAlias = 'max_norm' | 'non_neg' | 'unit_norm' | 'min_max_norm';
/** What `getConstraint` accepts. */
export type ConstraintIdentifier = ConstraintId | ConstraintAlias | Constraint | SerializedObject;

const IDS: Readonly<Record<ConstraintId, () => Constraint>> = {
  maxNorm: () => new MaxNorm(),
  nonNeg: () => new NonNeg(),
  unitNorm: () => new UnitNorm(),
  minMaxNorm: () => new MinMaxNorm(),
};

const ALIASES: Readonly<Record<ConstraintAlias, ConstraintId>> = {
  max_norm: 'maxNorm',
  non_neg: 'nonNeg',
  unit_norm: 'unitNorm',
  min_max_norm: 'minMaxNorm',
};

/**
 * The constraint for an identifier, as Keras's `constraints.get`: a name (camelCase, snake_case
 * or a registered class name such as `'MaxNorm'`) builds one with default arguments; a
 * `Constraint` is returned as is; `{className, config}` is deserialized.
 *
 * Formula: none (a lookup).
 * @example
 * getConstraint('nonNeg').call(tensor([-1, 2])); // [0, 2]
 * getConstraint({ className: 'MaxNorm', config: { maxValue: 3, axis: [0, 1, 2] } });
 */
export function getConstraint(id: ConstraintIdentifier): Constraint {
  return resolveIdentifier(
    {
      fn: 'getConstraint',
      category: 'constraint',
      what: 'a Constraint',
      isInstance: (v): v is Constraint => v instanceof Constraint,
      ids: IDS,
      aliases: ALIASES,
    },
    id,
  );
}
