/**
 * Metric identifiers and `getMetric`, including Keras's resolution of `'accuracy'` into the
 * binary, categorical or sparse categorical accuracy that fits the model's outputs.
 */
import type { Loss } from '../losses/core.js';
import { BinaryCrossentropy, SparseCategoricalCrossentropy } from '../losses/probabilistic.js';
import {
  LossFunctionWrapper,
  type LossId,
  canonicalLossId,
  getLossFunction,
} from '../losses/registry.js';
import { type SerializedObject, resolveIdentifier } from '../serialization.js';
import {
  BinaryAccuracy,
  CategoricalAccuracy,
  SparseCategoricalAccuracy,
  SparseTopKCategoricalAccuracy,
  TopKCategoricalAccuracy,
} from './accuracy.js';
import { MeanMetricWrapper, Metric, type MetricFunction, type MetricOptions } from './base.js';
import { AUC, Precision, Recall } from './confusion.js';
import { PearsonCorrelation } from './correlation.js';
import { F1Score, FBetaScore } from './f_score.js';
import './iou.js';
import './loss_metrics.js';
import {
  MeanAbsoluteError,
  MeanSquaredError,
  R2Score,
  RootMeanSquaredError,
} from './regression.js';
import {
  FalseNegatives,
  FalsePositives,
  TrueNegatives,
  TruePositives,
} from './threshold_counts.js';

/** The canonical (camelCase) metric ids; `'accuracy'` is resolved by {@link resolveAccuracy}. */
export type CanonicalMetricId =
  | 'accuracy'
  | 'binaryAccuracy'
  | 'categoricalAccuracy'
  | 'sparseCategoricalAccuracy'
  | 'topKCategoricalAccuracy'
  | 'sparseTopKCategoricalAccuracy'
  | 'precision'
  | 'recall'
  | 'auc'
  | 'meanSquaredError'
  | 'meanAbsoluteError'
  | 'rootMeanSquaredError'
  | 'r2Score'
  | 'f1Score'
  | 'fBetaScore'
  | 'truePositives'
  | 'falsePositives'
  | 'trueNegatives'
  | 'falseNegatives'
  | 'pearsonCorrelation';

type MetricClass = new (opts?: MetricOptions) => Metric;

const METRICS: Record<Exclude<CanonicalMetricId, 'accuracy'>, MetricClass> = {
  binaryAccuracy: BinaryAccuracy,
  categoricalAccuracy: CategoricalAccuracy,
  sparseCategoricalAccuracy: SparseCategoricalAccuracy,
  topKCategoricalAccuracy: TopKCategoricalAccuracy,
  sparseTopKCategoricalAccuracy: SparseTopKCategoricalAccuracy,
  precision: Precision,
  recall: Recall,
  auc: AUC,
  meanSquaredError: MeanSquaredError,
  meanAbsoluteError: MeanAbsoluteError,
  rootMeanSquaredError: RootMeanSquaredError,
  r2Score: R2Score,
  f1Score: F1Score,
  fBetaScore: FBetaScore,
  truePositives: TruePositives,
  falsePositives: FalsePositives,
  trueNegatives: TrueNegatives,
  falseNegatives: FalseNegatives,
  pearsonCorrelation: PearsonCorrelation,
};

/** Keras's snake_case names, short forms and class names, mapped to canonical ids. */
const METRIC_ALIASES = {
  acc: 'accuracy',
  binary_accuracy: 'binaryAccuracy',
  categorical_accuracy: 'categoricalAccuracy',
  sparse_categorical_accuracy: 'sparseCategoricalAccuracy',
  top_k_categorical_accuracy: 'topKCategoricalAccuracy',
  sparse_top_k_categorical_accuracy: 'sparseTopKCategoricalAccuracy',
  mean_squared_error: 'meanSquaredError',
  mse: 'meanSquaredError',
  MSE: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError',
  mae: 'meanAbsoluteError',
  MAE: 'meanAbsoluteError',
  root_mean_squared_error: 'rootMeanSquaredError',
  r2_score: 'r2Score',
  BinaryAccuracy: 'binaryAccuracy',
  CategoricalAccuracy: 'categoricalAccuracy',
  SparseCategoricalAccuracy: 'sparseCategoricalAccuracy',
  TopKCategoricalAccuracy: 'topKCategoricalAccuracy',
  SparseTopKCategoricalAccuracy: 'sparseTopKCategoricalAccuracy',
  Precision: 'precision',
  Recall: 'recall',
  AUC: 'auc',
  MeanSquaredError: 'meanSquaredError',
  MeanAbsoluteError: 'meanAbsoluteError',
  RootMeanSquaredError: 'rootMeanSquaredError',
  R2Score: 'r2Score',
  f1_score: 'f1Score',
  F1Score: 'f1Score',
  fbeta_score: 'fBetaScore',
  FBetaScore: 'fBetaScore',
  true_positives: 'truePositives',
  TruePositives: 'truePositives',
  false_positives: 'falsePositives',
  FalsePositives: 'falsePositives',
  true_negatives: 'trueNegatives',
  TrueNegatives: 'trueNegatives',
  false_negatives: 'falseNegatives',
  FalseNegatives: 'falseNegatives',
  pearson_correlation: 'pearsonCorrelation',
  PearsonCorrelation: 'pearsonCorrelation',
} as const satisfies Record<string, CanonicalMetricId>;

/**
 * Every string that names a metric: the camelCase ids, Keras's snake_case names, the short
 * forms `'acc'`, `'mse'`, `'mae'`, class names, and any {@link LossId} (the loss's mean).
 */
export type MetricId = CanonicalMetricId | keyof typeof METRIC_ALIASES | LossId;

/** What {@link resolveAccuracy} looks at: the loss and the shapes of labels and predictions. */
export type AccuracyContext = {
  /** The model's loss (an id or a loss object). */
  loss?: string | Loss | null;
  /** Shape of the labels (the batch axis may be any number). */
  yTrueShape?: readonly number[] | null;
  /** Shape of the predictions. */
  yPredShape?: readonly number[] | null;
};

/** The accuracy ids `'accuracy'` can resolve to. */
export type AccuracyId = 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy';

function lossKind(loss: AccuracyContext['loss']): 'binary' | 'sparse' | 'other' {
  if (loss === undefined || loss === null) return 'other';
  if (typeof loss === 'string') {
    const id = canonicalLossId(loss);
    return id === 'binaryCrossentropy'
      ? 'binary'
      : id === 'sparseCategoricalCrossentropy'
        ? 'sparse'
        : 'other';
  }
  if (loss instanceof BinaryCrossentropy) return 'binary';
  if (loss instanceof SparseCategoricalCrossentropy) return 'sparse';
  if (loss instanceof LossFunctionWrapper) return lossKind(loss.options.fn as string | undefined);
  return 'other';
}

/**
 * Which accuracy `'accuracy'` means, as Keras decides: binary when the predictions' last axis
 * is 1 or the loss is binary crossentropy; sparse categorical when the labels have one axis
 * fewer than the predictions, or a last axis of 1 against multi-class predictions (or, with no
 * shapes, when the loss is sparse categorical crossentropy); categorical otherwise.
 *
 * Formula: none; a decision table.
 *
 * Shape: `yTrueShape` and `yPredShape` include the batch axis.
 * @example resolveAccuracy({ yTrueShape: [32], yPredShape: [32, 10] }) // 'sparseCategoricalAccuracy'
 */
export function resolveAccuracy(context: AccuracyContext = {}): AccuracyId {
  const kind = lossKind(context.loss);
  const t = context.yTrueShape ?? null;
  const p = context.yPredShape ?? null;
  const pLast = p && p.length > 0 ? p[p.length - 1]! : null;
  if (pLast === 1 || kind === 'binary') return 'binaryAccuracy';
  if (t && p) {
    const tLast = t.length > 0 ? t[t.length - 1]! : null;
    if (t.length === p.length - 1 || (tLast === 1 && pLast !== null && pLast > 1))
      return 'sparseCategoricalAccuracy';
    return 'categoricalAccuracy';
  }
  return kind === 'sparse' ? 'sparseCategoricalAccuracy' : 'categoricalAccuracy';
}

/**
 * The canonical id of a metric name (an id, alias or class name; loss ids excluded), or
 * undefined.
 *
 * Formula: none; a table lookup.
 *
 * Shape: not applicable.
 * @example canonicalMetricId('acc') // 'accuracy'
 */
export function canonicalMetricId(id: string): CanonicalMetricId | undefined {
  if (id === 'accuracy' || Object.hasOwn(METRICS, id)) return id as CanonicalMetricId;
  if (Object.hasOwn(METRIC_ALIASES, id)) return METRIC_ALIASES[id as keyof typeof METRIC_ALIASES];
  return undefined;
}

function validMetricIds(): string {
  return `Valid ids: accuracy, ${Object.keys(METRICS).join(', ')}, any loss id (its mean), and Keras's snake_case forms and 'acc', 'mse', 'mae'.`;
}

/**
 * Resolves anything that names a metric to a fresh {@link Metric}: an id (named after the id,
 * as Keras's `compile` does), a `Metric` (returned as is), a function (wrapped in
 * {@link MeanMetricWrapper}) or a serialized `{className, config}`. `'accuracy'`/`'acc'` (any
 * case) go through {@link resolveAccuracy} with `context`; a loss id gives the mean of that
 * loss.
 *
 * Formula: none; this is a lookup.
 *
 * Shape: not applicable.
 * @example getMetric('accuracy', { loss: 'sparse_categorical_crossentropy' }) // SparseCategoricalAccuracy named 'accuracy'
 */
export function getMetric(
  identifier: MetricId | Metric | MetricFunction | SerializedObject,
  context: AccuracyContext = {},
): Metric {
  return resolveIdentifier<Metric>(
    {
      fn: 'getMetric',
      category: 'metric',
      what: 'a Metric',
      isInstance: (v): v is Metric => v instanceof Metric,
      // Ids, aliases and loss ids all need the name itself (the metric is named after it).
      ids: {},
      fromName: (name) => {
        const lower = name.toLowerCase();
        if (lower === 'accuracy' || lower === 'acc')
          return new METRICS[resolveAccuracy(context)]({ name });
        const id = canonicalMetricId(name);
        if (id && id !== 'accuracy') return new METRICS[id]({ name });
        if (canonicalLossId(name))
          return new MeanMetricWrapper(getLossFunction(name as LossId), { name });
        return undefined;
      },
      fromFunction: (f) => new MeanMetricWrapper(f as unknown as MetricFunction),
      validText: validMetricIds,
    },
    identifier,
  );
}
