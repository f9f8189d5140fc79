/**
 * Weight regularizers, as Keras 3's `keras.regularizers`: `reg.call(w)` returns a scalar penalty
 * that a layer adds to the loss. Penalties are built from differentiable ops, so their gradient
 * comes from autograd. Keras 3's L2 has no ½ factor: l2·Σw² (its gradient is 2·l2·w).
 */
import { ValueError } from './errors.js';
import { eye, zeros } from './ops/creation.js';
import { abs, add, minimum, mul, rsqrt, square, sub } from './ops/elementwise.js';
import { matmul } from './ops/matmul.js';
import { sum } from './ops/reduce.js';
import {
  type Config,
  type Serializable,
  type SerializedObject,
  registerSerializable,
  resolveIdentifier,
} from './serialization.js';
import { isFloat } from './tensor/dtype.js';
import type { Tensor } from './tensor/tensor.js';

/**
 * Base class of every regularizer: `call(x)` returns a scalar penalty. Subclasses define
 * `static className`, `getConfig()` and `static fromConfig(config)` and are registered under the
 * category `'regularizer'`.
 *
 * Formula: penalty = f(x), a scalar.
 * @example
 * class Abs3 extends Regularizer {
 *   static override readonly className = 'Abs3';
 *   call(x: Tensor) { return x.abs().pow(3).sum(); }
 *   getConfig() { return {}; }
 *   static fromConfig() { return new Abs3(); }
 * }
 * registerSerializable('regularizer', Abs3);
 */
export abstract class Regularizer implements Serializable {
  /** The class name written in configs (Keras's, for built-ins). */
  static readonly className: string = 'Regularizer';

  /** The scalar penalty for `x`. */
  abstract call(x: Tensor): Tensor;

  /** The constructor arguments as plain JSON. */
  abstract getConfig(): Config;

  /** The registered class name of this instance. */
  get className(): string {
    return (this.constructor as typeof Regularizer).className;
  }
}

/** Keras's check: a factor is a finite, non-negative number. */
function checkFactor(owner: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ValueError(
      `${owner}: ${name} must be a finite non-negative number, got ${String(v)}`,
    );
  }
  return v;
}

function l1Term(x: Tensor, l1: number): Tensor {
  return mul(sum(abs(x)), l1);
}

function l2Term(x: Tensor, l2: number): Tensor {
  return mul(sum(square(x)), l2);
}

/** Arguments of {@link L1}. */
export interface L1Args {
  /** Factor (default 0.01). */
  l1?: number;
}

/**
 * L1 penalty (encourages sparse weights); Keras 3 default l1 = 0.01.
 *
 * Formula: penalty = l1 · Σ|x|.
 * @example new L1({ l1: 0.1 }).call(tensor([1, -2])) // 0.3
 */
export class L1 extends Regularizer {
  static override readonly className = 'L1';
  readonly l1: number;

  constructor(args: L1Args = {}) {
    super();
    this.l1 = checkFactor('L1', 'l1', args.l1 ?? 0.01);
  }

  call(x: Tensor): Tensor {
    return l1Term(x, this.l1);
  }

  getConfig(): Config {
    return { l1: this.l1 };
  }

  /** Rebuilds from `{l1}`. */
  static fromConfig(config: Config): L1 {
    return new L1({ l1: (config.l1 ?? undefined) as number | undefined });
  }
}

/** Arguments of {@link L2}. */
export interface L2Args {
  /** Factor (default 0.01). */
  l2?: number;
}

/**
 * L2 penalty (weight decay); Keras 3 default l2 = 0.01, and no ½.
 *
 * Formula: penalty = l2 · Σx².
 * @example new L2({ l2: 0.1 }).call(tensor([1, -2])) // 0.5
 */
export class L2 extends Regularizer {
  static override readonly className = 'L2';
  readonly l2: number;

  constructor(args: L2Args = {}) {
    super();
    this.l2 = checkFactor('L2', 'l2', args.l2 ?? 0.01);
  }

  call(x: Tensor): Tensor {
    return l2Term(x, this.l2);
  }

  getConfig(): Config {
    return { l2: this.l2 };
  }

  /** Rebuilds from `{l2}`. */
  static fromConfig(config: Config): L2 {
    return new L2({ l2: (config.l2 ?? undefined) as number | undefined });
  }
}

/** Arguments of {@link L1L2}. */
export interface L1L2Args {
  /** L1 factor (default 0). */
  l1?: number;
  /** L2 factor (default 0). */
  l2?: number;
}

/**
 * L1 plus L2 penalties. Keras 3 defaults both factors to 0, so that `new L1L2({ l2: 0.1 })`
 * has no L1 part; the name `'l1l2'` / `'l1_l2'` therefore gives a zero penalty, as in Keras 3.
 *
 * Formula: penalty = l1 · Σ|x| + l2 · Σx² (terms with a zero factor are skipped).
 * @example new L1L2({ l1: 0.1, l2: 0.1 }).call(tensor([1, -2])) // 0.8
 */
export class L1L2 extends Regularizer {
  static override readonly className = 'L1L2';
  readonly l1: number;
  readonly l2: number;

  constructor(args: L1L2Args = {}) {
    super();
    this.l1 = checkFactor('L1L2', 'l1', args.l1 ?? 0);
    this.l2 = checkFactor('L1L2', 'l2', args.l2 ?? 0);
  }

  call(x: Tensor): Tensor {
    const a = this.l1 ? l1Term(x, this.l1) : null;
    const b = this.l2 ? l2Term(x, this.l2) : null;
    if (a && b) return add(a, b);
    return a ?? b ?? zeros([], isFloat(x.dtype) ? x.dtype : 'float32');
  }

  getConfig(): Config {
    return { l1: this.l1, l2: this.l2 };
  }

  /** Rebuilds from `{l1, l2}`. */
  static fromConfig(config: Config): L1L2 {
    return new L1L2({
      l1: (config.l1 ?? undefined) as number | undefined,
      l2: (config.l2 ?? undefined) as number | undefined,
    });
  }
}

/** Options of {@link OrthogonalRegularizer}. */
export interface OrthogonalRegularizerArgs {
  /** The penalty's weight (default 0.01). */
  factor?: number;
  /** `'rows'` (default): the rows should be orthogonal; `'columns'`: the columns. */
  mode?: 'rows' | 'columns';
}

/**
 * Pushes the rows (or columns) of a 2-D kernel towards orthogonality (Keras's
 * `OrthogonalRegularizer`): the mean absolute cosine between distinct unit-normed rows.
 *
 * Formula: with n the rows scaled to unit norm (a zero row stays zero),
 * penalty = factor · ½ · Σ_{i≠j} |nᵢ·nⱼ| / (size·(size − 1)/2).
 *
 * Shape: `x` rank 2 (`[rows, columns]`).
 * @example new OrthogonalRegularizer({ factor: 0.1 }).call(kernel)
 */
export class OrthogonalRegularizer extends Regularizer {
  static override readonly className = 'OrthogonalRegularizer';
  readonly factor: number;
  readonly mode: 'rows' | 'columns';

  constructor(args: OrthogonalRegularizerArgs = {}) {
    super();
    this.factor = checkFactor('OrthogonalRegularizer', 'factor', args.factor ?? 0.01);
    const mode = args.mode ?? 'rows';
    if (mode !== 'rows' && mode !== 'columns')
      throw new ValueError(
        `OrthogonalRegularizer: mode must be 'rows' or 'columns', got ${JSON.stringify(mode)}`,
      );
    this.mode = mode;
  }

  call(x: Tensor): Tensor {
    if (x.rank !== 2)
      throw new ValueError(
        `OrthogonalRegularizer: inputs must have rank 2, got shape [${x.shape.join(', ')}]`,
      );
    const rows = this.mode === 'rows';
    // Keras's normalize: x · min(1/‖x‖, 1/ε), so a zero row stays zero.
    const inv = minimum(rsqrt(sum(square(x), rows ? 1 : 0, true)), 1e7);
    const n = mul(x, inv);
    const product = rows ? matmul(n, n, false, true) : matmul(n, n, true, false);
    const size = product.shape[0]!;
    if (size < 2) return zeros([], x.dtype);
    const offDiagonal = mul(product, sub(1, eye(size, size, x.dtype)));
    const pairs = (size * (size - 1)) / 2;
    return mul(sum(abs(offDiagonal)), (this.factor * 0.5) / pairs);
  }

  getConfig(): Config {
    return { factor: this.factor, mode: this.mode };
  }

  /** Rebuilds from `{factor, mode}`. */
  static fromConfig(config: Config): OrthogonalRegularizer {
    return new OrthogonalRegularizer({
      factor: (config.factor ?? undefined) as number | undefined,
      mode: (config.mode ?? undefined) as 'rows' | 'columns' | undefined,
    });
  }
}

for (const cls of [L1, L2, L1L2, OrthogonalRegularizer])
  registerSerializable<Regularizer>('regularizer', cls);

/**
 * An L1 regularizer (Keras's `regularizers.l1`).
 *
 * Formula: penalty = l1 · Σ|x|.
 * @example const reg = l1(1e-4);
 */
export function l1(factor = 0.01): L1 {
  return new L1({ l1: factor });
}

/**
 * An L2 regularizer (Keras's `regularizers.l2`).
 *
 * Formula: penalty = l2 · Σx².
 * @example const reg = l2(1e-4);
 */
export function l2(factor = 0.01): L2 {
  return new L2({ l2: factor });
}

/**
 * An L1 + L2 regularizer (Keras's `regularizers.l1_l2`, same defaults as the class: 0 and 0).
 *
 * Formula: penalty = l1 · Σ|x| + l2 · Σx².
 * @example const reg = l1l2(1e-5, 1e-4);
 */
export function l1l2(l1Factor = 0, l2Factor = 0): L1L2 {
  return new L1L2({ l1: l1Factor, l2: l2Factor });
}

/** The regularizer names `getRegularizer` accepts. */
export type RegularizerId = 'l1' | 'l2' | 'l1l2' | 'l1_l2';

/** What `getRegularizer` accepts. */
export type RegularizerIdentifier = RegularizerId | Regularizer | SerializedObject;

const IDS: Readonly<Record<RegularizerId, () => Regularizer>> = {
  l1: () => new L1(),
  l2: () => new L2(),
  l1l2: () => new L1L2(),
  l1_l2: () => new L1L2(),
};

/**
 * The regularizer for an identifier, as Keras's `regularizers.get`: a name (or a registered class
 * name such as `'L2'`) builds one with default arguments; a `Regularizer` is returned as is;
 * `{className, config}` is deserialized.
 *
 * Formula: none (a lookup).
 * @example
 * getRegularizer('l2').call(tensor([1, 2])); // 0.05
 * getRegularizer({ className: 'L1', config: { l1: 0.5 } });
 */
export function getRegularizer(id: RegularizerIdentifier): Regularizer {
  return resolveIdentifier(
    {
      fn: 'getRegularizer',
      category: 'regularizer',
      what: 'a Regularizer',
      isInstance: (v): v is Regularizer => v instanceof Regularizer,
      ids: IDS,
    },
    id,
  );
}
