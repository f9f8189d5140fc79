/**
 * Loss identifiers: the camelCase ids, the snake_case and short aliases Keras accepts, the
 * lookup `getLoss`, and `LossFunctionWrapper`, which turns any loss function into a loss
 * object.
 */
import { ValueError } from '../errors.js';
import {
  type Config,
  type SerializedObject,
  registerSerializable,
  resolveIdentifier,
} from '../serialization.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { Loss, type LossFunction, type LossOptions, checkOptionKeys } from './core.js';
import { CTC, ctc } from './ctc.js';
import {
  BinaryFocalCrossentropy,
  CategoricalFocalCrossentropy,
  binaryFocalCrossentropy,
  categoricalFocalCrossentropy,
} from './focal.js';
import {
  CategoricalGeneralizedCrossEntropy,
  categoricalGeneralizedCrossEntropy,
} from './generalized.js';
import {
  CategoricalHinge,
  Hinge,
  SquaredHinge,
  categoricalHinge,
  hinge,
  squaredHinge,
} from './hinge.js';
import {
  BinaryCrossentropy,
  CategoricalCrossentropy,
  KLDivergence,
  Poisson,
  SparseCategoricalCrossentropy,
  binaryCrossentropy,
  categoricalCrossentropy,
  kullbackLeiblerDivergence,
  poisson,
  sparseCategoricalCrossentropy,
} from './probabilistic.js';
import {
  CosineSimilarity,
  Huber,
  LogCosh,
  MeanAbsoluteError,
  MeanAbsolutePercentageError,
  MeanSquaredError,
  MeanSquaredLogarithmicError,
  cosineSimilarity,
  huber,
  logCosh,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  meanSquaredLogarithmicError,
} from './regression.js';
import { Circle, Dice, Tversky, circle, dice, tversky } from './segmentation.js';

/** The canonical (camelCase) loss ids. */
export type CanonicalLossId =
  | 'binaryCrossentropy'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy'
  | 'meanSquaredError'
  | 'meanAbsoluteError'
  | 'meanAbsolutePercentageError'
  | 'meanSquaredLogarithmicError'
  | 'huber'
  | 'logCosh'
  | 'hinge'
  | 'squaredHinge'
  | 'categoricalHinge'
  | 'kullbackLeiblerDivergence'
  | 'poisson'
  | 'cosineSimilarity'
  | 'ctc'
  | 'binaryFocalCrossentropy'
  | 'categoricalFocalCrossentropy'
  | 'dice'
  | 'tversky'
  | 'circle'
  | 'categoricalGeneralizedCrossEntropy';

type LossClass = new (opts?: LossOptions) => Loss;

const LOSSES: Record<CanonicalLossId, { fn: LossFunction; cls: LossClass }> = {
  binaryCrossentropy: { fn: binaryCrossentropy, cls: BinaryCrossentropy },
  categoricalCrossentropy: { fn: categoricalCrossentropy, cls: CategoricalCrossentropy },
  sparseCategoricalCrossentropy: {
    fn: sparseCategoricalCrossentropy,
    cls: SparseCategoricalCrossentropy,
  },
  meanSquaredError: { fn: meanSquaredError, cls: MeanSquaredError },
  meanAbsoluteError: { fn: meanAbsoluteError, cls: MeanAbsoluteError },
  meanAbsolutePercentageError: {
    fn: meanAbsolutePercentageError,
    cls: MeanAbsolutePercentageError,
  },
  meanSquaredLogarithmicError: {
    fn: meanSquaredLogarithmicError,
    cls: MeanSquaredLogarithmicError,
  },
  huber: { fn: huber, cls: Huber },
  logCosh: { fn: logCosh, cls: LogCosh },
  hinge: { fn: hinge, cls: Hinge },
  squaredHinge: { fn: squaredHinge, cls: SquaredHinge },
  categoricalHinge: { fn: categoricalHinge, cls: CategoricalHinge },
  kullbackLeiblerDivergence: { fn: kullbackLeiblerDivergence, cls: KLDivergence },
  poisson: { fn: poisson, cls: Poisson },
  cosineSimilarity: { fn: cosineSimilarity, cls: CosineSimilarity },
  ctc: { fn: ctc, cls: CTC },
  binaryFocalCrossentropy: { fn: binaryFocalCrossentropy, cls: BinaryFocalCrossentropy },
  categoricalFocalCrossentropy: {
    fn: categoricalFocalCrossentropy,
    cls: CategoricalFocalCrossentropy,
  },
  dice: { fn: dice, cls: Dice },
  tversky: { fn: tversky, cls: Tversky },
  circle: { fn: circle, cls: Circle },
  categoricalGeneralizedCrossEntropy: {
    fn: categoricalGeneralizedCrossEntropy,
    cls: CategoricalGeneralizedCrossEntropy,
  },
};

/** Keras's snake_case names, short forms and class names, mapped to canonical ids. */
const LOSS_ALIASES = {
  binary_crossentropy: 'binaryCrossentropy',
  bce: 'binaryCrossentropy',
  BCE: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  mean_squared_error: 'meanSquaredError',
  mse: 'meanSquaredError',
  MSE: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError',
  mae: 'meanAbsoluteError',
  MAE: 'meanAbsoluteError',
  mean_absolute_percentage_error: 'meanAbsolutePercentageError',
  mape: 'meanAbsolutePercentageError',
  MAPE: 'meanAbsolutePercentageError',
  mean_squared_logarithmic_error: 'meanSquaredLogarithmicError',
  msle: 'meanSquaredLogarithmicError',
  MSLE: 'meanSquaredLogarithmicError',
  log_cosh: 'logCosh',
  logcosh: 'logCosh',
  squared_hinge: 'squaredHinge',
  categorical_hinge: 'categoricalHinge',
  kullback_leibler_divergence: 'kullbackLeiblerDivergence',
  kl_divergence: 'kullbackLeiblerDivergence',
  klDivergence: 'kullbackLeiblerDivergence',
  kld: 'kullbackLeiblerDivergence',
  KLD: 'kullbackLeiblerDivergence',
  cosine_similarity: 'cosineSimilarity',
  BinaryCrossentropy: 'binaryCrossentropy',
  CategoricalCrossentropy: 'categoricalCrossentropy',
  SparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  MeanSquaredError: 'meanSquaredError',
  MeanAbsoluteError: 'meanAbsoluteError',
  MeanAbsolutePercentageError: 'meanAbsolutePercentageError',
  MeanSquaredLogarithmicError: 'meanSquaredLogarithmicError',
  Huber: 'huber',
  LogCosh: 'logCosh',
  Hinge: 'hinge',
  SquaredHinge: 'squaredHinge',
  CategoricalHinge: 'categoricalHinge',
  KLDivergence: 'kullbackLeiblerDivergence',
  Poisson: 'poisson',
  CosineSimilarity: 'cosineSimilarity',
  CTC: 'ctc',
  binary_focal_crossentropy: 'binaryFocalCrossentropy',
  categorical_focal_crossentropy: 'categoricalFocalCrossentropy',
  BinaryFocalCrossentropy: 'binaryFocalCrossentropy',
  CategoricalFocalCrossentropy: 'categoricalFocalCrossentropy',
  Dice: 'dice',
  Tversky: 'tversky',
  Circle: 'circle',
  categorical_generalized_cross_entropy: 'categoricalGeneralizedCrossEntropy',
  CategoricalGeneralizedCrossEntropy: 'categoricalGeneralizedCrossEntropy',
} as const satisfies Record<string, CanonicalLossId>;

/**
 * Every string that names a loss: the camelCase ids, Keras's snake_case names
 * (`'categorical_crossentropy'`), short forms (`'mse'`, `'mae'`, `'mape'`, `'msle'`, `'kld'`,
 * `'bce'`) and class names (`'MeanSquaredError'`).
 */
export type LossId = CanonicalLossId | keyof typeof LOSS_ALIASES;

/**
 * The canonical id of a loss name (an id, alias or class name), or undefined when the name is
 * unknown.
 *
 * Formula: none; a table lookup.
 *
 * Shape: not applicable.
 * @example canonicalLossId('categorical_crossentropy') // 'categoricalCrossentropy'
 */
export function canonicalLossId(id: string): CanonicalLossId | undefined {
  if (Object.hasOwn(LOSSES, id)) return id as CanonicalLossId;
  if (Object.hasOwn(LOSS_ALIASES, id)) return LOSS_ALIASES[id as keyof typeof LOSS_ALIASES];
  return undefined;
}

/**
 * The id of a built-in loss function, or undefined for any other function; wrappers around
 * loss functions serialize the function by this id.
 *
 * Formula: none; a table lookup.
 *
 * Shape: not applicable.
 * @example lossFunctionId(meanSquaredError) // 'meanSquaredError'
 */
export function lossFunctionId(fn: unknown): CanonicalLossId | undefined {
  for (const [id, entry] of Object.entries(LOSSES))
    if (entry.fn === fn) return id as CanonicalLossId;
  return undefined;
}

/**
 * The loss function named `id` (any {@link LossId}); throws a ValueError listing the valid ids
 * for an unknown one.
 *
 * Formula: that of the named loss.
 *
 * Shape: that of the named loss: per-sample losses.
 * @example getLossFunction('mse')(yTrue, yPred) // per-sample mean squared errors
 */
export function getLossFunction(id: LossId): LossFunction {
  return LOSSES[resolveLossId(id, 'getLossFunction')].fn;
}

function resolveLossId(id: string, op: string): CanonicalLossId {
  const c = canonicalLossId(id);
  if (c) return c;
  throw new ValueError(`${op}: unknown loss '${id}';${suggestion(id)} ${validLossIds()}`);
}

/** "Did you mean" for ids that differ only in case or underscores. */
function suggestion(id: string): string {
  const squash = (s: string) => s.toLowerCase().replaceAll('_', '');
  const all = [...Object.keys(LOSSES), ...Object.keys(LOSS_ALIASES)];
  const hit = all.find((k) => squash(k) === squash(id));
  if (hit) return ` Did you mean '${hit}'?`;
  if (/softmax.*cross.*entropy/i.test(id)) return " Did you mean 'categoricalCrossentropy'?";
  if (/sigmoid.*cross.*entropy|log_?loss/i.test(id)) return " Did you mean 'binaryCrossentropy'?";
  return '';
}

function validLossIds(): string {
  return `Valid ids: ${Object.keys(LOSSES).join(', ')} (Keras's snake_case forms such as 'categorical_crossentropy', and 'mse', 'mae', 'mape', 'msle', 'kld', 'bce' are accepted too).`;
}

/**
 * Wraps a loss function `(yTrue, yPred) => per-sample losses` as a loss object, so that it
 * gets sample weights and reductions. Wrappers of built-in functions serialize (the function
 * by id); wrappers of other functions do not: subclass {@link Loss} and register it instead.
 *
 * Formula: `reduce(fn(yTrue, yPred) · w)`.
 *
 * Shape: whatever `fn` accepts; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new LossFunctionWrapper((t, p) => t.sub(p).abs().max(-1)).apply(yTrue, yPred)
 */
export class LossFunctionWrapper extends Loss {
  static override readonly className = 'LossFunctionWrapper';
  /** `{fn: id}` for built-in functions; empty for custom ones. */
  readonly options: Readonly<Config>;
  /** The wrapped function. */
  readonly fn: LossFunction;

  /**
   * @param fn a loss function, or the {@link LossId} of a built-in one
   * @param opts name (default: the function's name) and reduction
   */
  constructor(fn: LossFunction | LossId, opts: LossOptions = {}) {
    const resolved = typeof fn === 'string' ? getLossFunction(fn) : fn;
    if (typeof resolved !== 'function') {
      throw new ValueError(
        `LossFunctionWrapper: fn must be a function or a loss id, got ${String(fn)}`,
      );
    }
    super(opts, resolved.name || 'loss');
    this.fn = resolved;
    const id = lossFunctionId(resolved);
    this.options = id ? { fn: id } : {};
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return this.fn(yTrue, yPred);
  }

  override getConfig(): Config {
    if (!('fn' in this.options)) {
      throw new ValueError(
        `LossFunctionWrapper '${this.name}': a custom function cannot be serialized. Subclass Loss with a static className and register it with registerSerializable('loss', Cls).`,
      );
    }
    return super.getConfig();
  }

  /** Rebuilds a wrapper of a built-in function from `{name, reduction, fn}`. */
  static override fromConfig<T extends Loss>(this: new (opts: never) => T, config: Config): T {
    const { fn, ...rest } = config;
    if (typeof fn !== 'string') {
      throw new ValueError(
        `LossFunctionWrapper.fromConfig: 'fn' must be a loss id, got ${JSON.stringify(fn)}`,
      );
    }
    checkOptionKeys('LossFunctionWrapper', rest, ['name', 'reduction']);
    // The generic signature is the base class's; this class only ever builds itself.
    return new LossFunctionWrapper(fn as LossId, rest as LossOptions) as unknown as T;
  }
}

registerSerializable('loss', LossFunctionWrapper);

/**
 * Resolves anything that names a loss to a {@link Loss} object: a {@link LossId} (a new
 * instance with the default options), a `Loss` (returned as is), a function (wrapped in
 * {@link LossFunctionWrapper}) or a serialized `{className, config}`.
 *
 * Formula: none; this is a lookup.
 *
 * Shape: not applicable.
 * @example getLoss('categorical_crossentropy'); getLoss({ className: 'Huber', config: { delta: 2 } })
 */
export function getLoss(identifier: LossId | Loss | LossFunction | SerializedObject): Loss {
  return resolveIdentifier<Loss>(
    {
      fn: 'getLoss',
      category: 'loss',
      what: 'a Loss',
      isInstance: (v): v is Loss => v instanceof Loss,
      // Every built-in id, alias and class name goes through canonicalLossId.
      ids: {},
      fromName: (id) => {
        const c = canonicalLossId(id);
        return c ? new LOSSES[c].cls() : undefined;
      },
      fromFunction: (f) => new LossFunctionWrapper(f as unknown as LossFunction),
      hint: suggestion,
      validText: validLossIds,
    },
    identifier,
  );
}
