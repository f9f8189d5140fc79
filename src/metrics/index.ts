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
} from './base.js';
export {
  BinaryAccuracy,
  type BinaryAccuracyOptions,
  CategoricalAccuracy,
  SparseCategoricalAccuracy,
  SparseTopKCategoricalAccuracy,
  TopKCategoricalAccuracy,
  type TopKOptions,
  binaryAccuracy,
  categoricalAccuracy,
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
  type AccuracyContext,
  type AccuracyId,
  type CanonicalMetricId,
  type MetricId,
  canonicalMetricId,
  getMetric,
  resolveAccuracy,
} from './registry.js';
