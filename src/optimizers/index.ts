/**
 * Optimizers and learning-rate schedules: classes, factory functions, string ids and
 * {@link getOptimizer}. Importing this module registers every class for deserialization.
 */
import {
  type SerializedObject,
  registerSerializable,
  resolveIdentifier,
} from '../serialization.js';
import { Adadelta, type AdadeltaArgs } from './adadelta.js';
import { Adafactor, type AdafactorArgs } from './adafactor.js';
import { Adagrad, type AdagradArgs } from './adagrad.js';
import { Adam, type AdamArgs } from './adam.js';
import { Adamax, type AdamaxArgs } from './adamax.js';
import { AdamW, type AdamWArgs } from './adamw.js';
import { Ftrl, type FtrlArgs } from './ftrl.js';
import { Lamb, type LambArgs } from './lamb.js';
import { Lion, type LionArgs } from './lion.js';
import { Nadam, type NadamArgs } from './nadam.js';
import { Optimizer } from './optimizer.js';
import { RMSprop, type RMSpropArgs } from './rmsprop.js';
import { SGD, type SGDArgs } from './sgd.js';

export { Optimizer, type OptimizerArgs, type GradientPair } from './optimizer.js';
export { SGD, type SGDArgs } from './sgd.js';
export { Adagrad, type AdagradArgs } from './adagrad.js';
export { RMSprop, type RMSpropArgs } from './rmsprop.js';
export { Adam, type AdamArgs } from './adam.js';
export { AdamW, type AdamWArgs } from './adamw.js';
export { Adadelta, type AdadeltaArgs } from './adadelta.js';
export { Adamax, type AdamaxArgs } from './adamax.js';
export { Nadam, type NadamArgs } from './nadam.js';
export { Lion, type LionArgs } from './lion.js';
export { Ftrl, type FtrlArgs } from './ftrl.js';
export { Adafactor, type AdafactorArgs } from './adafactor.js';
export { Lamb, type LambArgs } from './lamb.js';
export { LossScaleOptimizer, type LossScaleOptimizerArgs } from './loss_scale_optimizer.js';
export { CosineDecayRestarts, cosineDecayRestarts } from './schedules_extra.js';
export {
  LearningRateSchedule,
  ExponentialDecay,
  InverseTimeDecay,
  PiecewiseConstantDecay,
  PolynomialDecay,
  CosineDecay,
  exponentialDecay,
  inverseTimeDecay,
  piecewiseConstantDecay,
  polynomialDecay,
  cosineDecay,
} from './schedules.js';

const CLASSES = {
  sgd: SGD,
  adagrad: Adagrad,
  rmsprop: RMSprop,
  adam: Adam,
  adamw: AdamW,
  adadelta: Adadelta,
  adamax: Adamax,
  nadam: Nadam,
  lion: Lion,
  ftrl: Ftrl,
  adafactor: Adafactor,
  lamb: Lamb,
} as const;

for (const cls of Object.values(CLASSES)) registerSerializable<Optimizer>('optimizer', cls);

/** The built-in optimizers' string ids (matched case-insensitively, as Keras does). */
export type OptimizerId = keyof typeof CLASSES;

/** The ids as Keras spells its class names (`'SGD'`, `'RMSprop'`, `'AdamW'`, …). */
export type OptimizerClassName =
  | 'SGD'
  | 'Adagrad'
  | 'RMSprop'
  | 'Adam'
  | 'AdamW'
  | 'Adadelta'
  | 'Adamax'
  | 'Nadam'
  | 'Lion'
  | 'Ftrl'
  | 'Adafactor'
  | 'Lamb';

/** Everything {@link getOptimizer} accepts. */
export type OptimizerIdentifier =
  | OptimizerId
  | OptimizerClassName
  | Uppercase<OptimizerId>
  | Optimizer
  | SerializedObject;

/** Every built-in optimizer id, for messages and menus. */
export const OPTIMIZER_IDS: readonly OptimizerId[] = Object.keys(CLASSES) as OptimizerId[];

/**
 * Resolves an optimizer: an instance is returned as is; a string id (any case) gives a new
 * optimizer with Keras defaults; `{className, config}` is deserialized (className matched
 * case-insensitively among registered optimizers, custom ones included).
 * @example
 * getOptimizer('adam'); // new Adam()
 * getOptimizer({ className: 'SGD', config: { learningRate: 0.1, momentum: 0.9 } });
 */
export function getOptimizer(identifier: OptimizerIdentifier): Optimizer {
  return resolveIdentifier(
    {
      fn: 'getOptimizer',
      category: 'optimizer',
      what: 'an Optimizer',
      isInstance: (v): v is Optimizer => v instanceof Optimizer,
      ids: Object.fromEntries(
        OPTIMIZER_IDS.map((k) => [k, () => new (CLASSES[k] as new () => Optimizer)()]),
      ),
      caseInsensitive: true,
    },
    identifier,
  );
}

/**
 * Creates an {@link SGD} optimizer (`var ← var − lr·g`, with optional momentum).
 * @example const opt = sgd({ learningRate: 0.1, momentum: 0.9 });
 */
export function sgd(args?: SGDArgs): SGD {
  return new SGD(args);
}

/**
 * Creates an {@link Adagrad} optimizer (`a ← a + g²; var ← var − lr·g/√(a + ε)`).
 * @example const opt = adagrad({ learningRate: 0.1 });
 */
export function adagrad(args?: AdagradArgs): Adagrad {
  return new Adagrad(args);
}

/**
 * Creates an {@link RMSprop} optimizer (`v ← ρv + (1−ρ)g²; var ← var − lr·g/√(v + ε)`).
 * @example const opt = rmsprop({ learningRate: 0.01, momentum: 0.9 });
 */
export function rmsprop(args?: RMSpropArgs): RMSprop {
  return new RMSprop(args);
}

/**
 * Creates an {@link Adam} optimizer (`var ← var − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε)`).
 * @example const opt = adam({ learningRate: 1e-3 });
 */
export function adam(args?: AdamArgs): Adam {
  return new Adam(args);
}

/**
 * Creates an {@link AdamW} optimizer (Adam after `var ← var − var·weightDecay·lr`).
 * @example const opt = adamw({ learningRate: 1e-3, weightDecay: 0.01 });
 */
export function adamw(args?: AdamWArgs): AdamW {
  return new AdamW(args);
}

/**
 * Creates an {@link Adadelta} optimizer (`var ← var − lr·√(d + ε)/√(a + ε)·g`).
 * @example const opt = adadelta({ learningRate: 1.0 });
 */
export function adadelta(args?: AdadeltaArgs): Adadelta {
  return new Adadelta(args);
}

/**
 * Creates an {@link Adamax} optimizer (`u ← max(β₂u, |g|); var ← var − lr·m/((1−β₁ᵗ)(u + ε))`).
 * @example const opt = adamax({ learningRate: 2e-3 });
 */
export function adamax(args?: AdamaxArgs): Adamax {
  return new Adamax(args);
}

/**
 * Creates a {@link Nadam} optimizer (Adam with Nesterov momentum and Dozat's schedule).
 * @example const opt = nadam({ learningRate: 2e-3 });
 */
export function nadam(args?: NadamArgs): Nadam {
  return new Nadam(args);
}

/**
 * Creates a {@link Lion} optimizer (`var ← var − lr·sign(β₁m + (1−β₁)g); m ← β₂m + (1−β₂)g`).
 * @example const opt = lion({ learningRate: 1e-4 });
 */
export function lion(args?: LionArgs): Lion {
  return new Lion(args);
}

/**
 * Creates an {@link Ftrl} optimizer (FTRL-Proximal with L1, L2 and L2-shrinkage terms).
 * @example const opt = ftrl({ learningRate: 0.05, l1RegularizationStrength: 0.01 });
 */
export function ftrl(args?: FtrlArgs): Ftrl {
  return new Ftrl(args);
}

/**
 * Creates an {@link Adafactor} optimizer (factored second moments, `ρ = min(lr, 1/√t)`).
 * @example const opt = adafactor({ learningRate: 1e-2 });
 */
export function adafactor(args?: AdafactorArgs): Adafactor {
  return new Adafactor(args);
}

/**
 * Creates a {@link Lamb} optimizer (Adam's update scaled by the trust ratio `‖var‖/‖u‖`).
 * @example const opt = lamb({ learningRate: 1e-3 });
 */
export function lamb(args?: LambArgs): Lamb {
  return new Lamb(args);
}
