/**
 * Metrics, Keras style: stateful objects that accumulate over an epoch (`updateState`,
 * `result`, `resetState`), the per-sample accuracy functions, and `getMetric` to resolve ids.
 */
export {
  Mean,
  MeanMetricWrapper,
  type MeanMetricWrapperOptions,
  Metric,
  type MetricFunction,
  type MetricOptions,
  Sum,
} from './base.js';
export {
  Accuracy,
  BinaryAccuracy,
  type BinaryAccuracyOptions,
  CategoricalAccuracy,
  SparseCategoricalAccuracy,
  SparseTopKCategoricalAccuracy,
  TopKCategoricalAccuracy,
  type TopKOptions,
  binaryAccuracy,
  categoricalAccuracy,
  exactAccuracy,
  sparseCategoricalAccuracy,
  sparseTopKCategoricalAccuracy,
  topKCategoricalAccuracy,
} from './accuracy.js';
export {
  AUC,
  type AUCOptions,
  Precision,
  type PrecisionRecallOptions,
  Recall,
} from './confusion.js';
export {
  MeanAbsoluteError,
  MeanSquaredError,
  R2Score,
  type R2ScoreOptions,
  RootMeanSquaredError,
} from './regression.js';
export {
  ConcordanceCorrelation,
  PearsonCorrelation,
  type PearsonCorrelationOptions,
  concordanceCorrelation,
  pearsonCorrelation,
} from './correlation.js';
export {
  F1Score,
  FBetaScore,
  type FBetaScoreOptions,
  type FScoreAverage,
  type FScoreOptions,
} from './f_score.js';
export {
  IoU,
  type IoUOptions,
  MeanIoU,
  type MeanIoUOptions,
  OneHotIoU,
  type OneHotIoUOptions,
  OneHotMeanIoU,
  BinaryIoU,
  type BinaryIoUOptions,
  type OneHotMeanIoUOptions,
} from './iou.js';
export {
  BinaryCrossentropy,
  CategoricalCrossentropy,
  CategoricalHinge,
  CosineSimilarity,
  Hinge,
  KLDivergence,
  LogCoshError,
  MeanAbsolutePercentageError,
  MeanSquaredLogarithmicError,
  Poisson,
  SquaredHinge,
  cosineSimilarityMetric,
} from './loss_metrics.js';
export {
  FalseNegatives,
  FalsePositives,
  PrecisionAtRecall,
  type RateAtOptions,
  RecallAtPrecision,
  SensitivityAtSpecificity,
  SpecificityAtSensitivity,
  type ThresholdCountOptions,
  TrueNegatives,
  TruePositives,
} from './threshold_counts.js';
export {
  type AccuracyContext,
  type AccuracyId,
  type CanonicalMetricId,
  type MetricId,
  canonicalMetricId,
  getMetric,
  resolveAccuracy,
} from './registry.js';
