/**
 * Losses, Keras style: pure functions `(yTrue, yPred) => per-sample losses`, loss classes
 * that add sample weights and reductions, and `getLoss` to resolve ids. See `core.ts` for the
 * base class, the other files for the losses by family.
 */
export {
  EPSILON,
  Loss,
  type LossFunction,
  type LossOptions,
  type Reduction,
  reduceWeightedLoss,
  squeezeOrExpandToSameRank,
} from './core.js';
export {
  BinaryCrossentropy,
  type BinaryCrossentropyOptions,
  CategoricalCrossentropy,
  type CategoricalCrossentropyOptions,
  KLDivergence,
  Poisson,
  SparseCategoricalCrossentropy,
  type SparseCategoricalCrossentropyOptions,
  binaryCrossentropy,
  categoricalCrossentropy,
  kullbackLeiblerDivergence,
  poisson,
  sparseCategoricalCrossentropy,
} from './probabilistic.js';
export {
  CosineSimilarity,
  type CosineSimilarityOptions,
  Huber,
  type HuberOptions,
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
export {
  CategoricalHinge,
  Hinge,
  SquaredHinge,
  categoricalHinge,
  hinge,
  squaredHinge,
} from './hinge.js';
export { CTC, ctc } from './ctc.js';
export {
  BinaryFocalCrossentropy,
  type BinaryFocalCrossentropyOptions,
  CategoricalFocalCrossentropy,
  type CategoricalFocalCrossentropyOptions,
  binaryFocalCrossentropy,
  categoricalFocalCrossentropy,
} from './focal.js';
export {
  Circle,
  type CircleOptions,
  Dice,
  type DiceOptions,
  type OverlapAxis,
  Tversky,
  type TverskyOptions,
  circle,
  dice,
  tversky,
} from './segmentation.js';
export {
  CategoricalGeneralizedCrossEntropy,
  type GeneralizedCrossEntropyOptions,
  categoricalGeneralizedCrossEntropy,
} from './generalized.js';
export {
  type CanonicalLossId,
  type LossId,
  LossFunctionWrapper,
  canonicalLossId,
  getLoss,
  getLossFunction,
  lossFunctionId,
} from './registry.js';
